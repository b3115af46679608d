WITH pairs AS MATERIALIZED (SELECT DISTINCT events.event AS ev, ((events.ts + CASE WHEN (events.ts < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT + %(param_6)s::BIGINT) / %(param_7)s::BIGINT AS b, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_8)s::BIGINT AND events.ts < %(param_9)s::BIGINT AND jsonb_typeof(events.properties -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR AND lower((events.properties ->> %(param_12)s::VARCHAR) COLLATE "C") IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) = %(param_14)s::VARCHAR) THEN CAST(users.traits ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) END BETWEEN %(param_16)s::INTEGER AND %(param_17)s::INTEGER OR events.city IS NULL)) SELECT pairs.ev, pairs.b, %(param_1)s::INTEGER AS whole, count(*) AS v
FROM pairs
GROUP BY pairs.ev, pairs.b
UNION ALL SELECT pairs.ev, min(pairs.b) AS b, %(param_18)s::INTEGER AS whole, count(DISTINCT pairs.person) AS v
FROM pairs
GROUP BY pairs.ev;
