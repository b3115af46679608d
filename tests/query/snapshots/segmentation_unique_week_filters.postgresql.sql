SELECT pairs.ev, pairs.b, count(*) AS v
FROM (SELECT DISTINCT events.event AS ev, ((events.ts + CASE WHEN (events.ts < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT + %(param_5)s::BIGINT) / %(param_6)s::BIGINT AS b, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_7)s::BIGINT AND events.ts < %(param_8)s::BIGINT AND jsonb_typeof(events.properties -> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR AND lower((events.properties ->> %(param_11)s::VARCHAR) COLLATE "C") IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR) THEN CAST(users.traits ->> %(param_14)s::VARCHAR AS DOUBLE PRECISION) END BETWEEN %(param_15)s::INTEGER AND %(param_16)s::INTEGER OR events.city IS NULL)) AS pairs
GROUP BY pairs.ev, pairs.b;

SELECT pairs.ev, count(*) AS v
FROM (SELECT DISTINCT events.event AS ev, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_1)s::BIGINT AND events.ts < %(param_2)s::BIGINT AND jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR AND lower((events.properties ->> %(param_5)s::VARCHAR) COLLATE "C") IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN CAST(users.traits ->> %(param_8)s::VARCHAR AS DOUBLE PRECISION) END BETWEEN %(param_9)s::INTEGER AND %(param_10)s::INTEGER OR events.city IS NULL)) AS pairs
GROUP BY pairs.ev;
