WITH bucket_bounds(b, s, e) AS (VALUES (%(param_2)s::BIGINT, %(param_3)s::BIGINT, %(param_4)s::BIGINT), (%(param_5)s::BIGINT, %(param_6)s::BIGINT, %(param_7)s::BIGINT), (%(param_8)s::BIGINT, %(param_9)s::BIGINT, %(param_10)s::BIGINT), (%(param_11)s::BIGINT, %(param_12)s::BIGINT, %(param_13)s::BIGINT), (%(param_14)s::BIGINT, %(param_15)s::BIGINT, %(param_16)s::BIGINT), (%(param_17)s::BIGINT, %(param_18)s::BIGINT, %(param_19)s::BIGINT), (%(param_20)s::BIGINT, %(param_21)s::BIGINT, %(param_22)s::BIGINT), (%(param_23)s::BIGINT, %(param_24)s::BIGINT, %(param_25)s::BIGINT), (%(param_26)s::BIGINT, %(param_27)s::BIGINT, %(param_28)s::BIGINT), (%(param_29)s::BIGINT, %(param_30)s::BIGINT, %(param_31)s::BIGINT), (%(param_32)s::BIGINT, %(param_33)s::BIGINT, %(param_34)s::BIGINT)) SELECT %(param_1)s::VARCHAR AS ev, bucket_bounds.b, (SELECT count(*) AS count_1
FROM (SELECT DISTINCT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= bucket_bounds.s AND person_hours.hour < bucket_bounds.e) AS active) AS v
FROM bucket_bounds;

SELECT %(param_1)s::VARCHAR AS ev, count(*) AS v
FROM (SELECT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= %(param_2)s::BIGINT AND person_hours.hour < %(param_3)s::BIGINT
GROUP BY person_hours.person) AS persons;
