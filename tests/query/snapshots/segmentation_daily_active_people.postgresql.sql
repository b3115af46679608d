SELECT %(param_1)s::VARCHAR AS ev, pairs.b, count(*) AS v
FROM (SELECT DISTINCT (person_hours.hour + CASE WHEN (person_hours.hour < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS b, person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= %(param_6)s::BIGINT AND person_hours.hour < %(param_7)s::BIGINT) AS pairs
GROUP BY pairs.b;

SELECT %(param_1)s::VARCHAR AS ev, count(*) AS v
FROM (SELECT DISTINCT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= %(param_2)s::BIGINT AND person_hours.hour < %(param_3)s::BIGINT) AS pairs;
