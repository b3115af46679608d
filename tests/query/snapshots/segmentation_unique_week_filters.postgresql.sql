SELECT rows.event, rows.grp, rows.other, rows.b, count(DISTINCT rows.person) AS v
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, NULL AS grp, %(param_1)s::INTEGER AS other
FROM (SELECT events.event AS event, events.person AS person, ((events.ts + CASE WHEN (events.ts < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT + %(param_6)s::BIGINT) / %(param_7)s::BIGINT AS b
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_8)s::BIGINT AND events.ts < %(param_9)s::BIGINT AND jsonb_typeof(events.properties -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR AND lower((events.properties ->> %(param_12)s::VARCHAR) COLLATE "C") IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) = %(param_14)s::VARCHAR) THEN CAST(users.traits ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) END BETWEEN %(param_16)s::INTEGER AND %(param_17)s::INTEGER OR events.city IS NULL)) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;

SELECT rows.event, rows.grp, rows.other, count(DISTINCT rows.person) AS v
FROM (SELECT base.event AS event, base.person AS person, NULL AS grp, %(param_1)s::INTEGER AS other
FROM (SELECT events.event AS event, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_2)s::BIGINT AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND lower((events.properties ->> %(param_6)s::VARCHAR) COLLATE "C") IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR) THEN CAST(users.traits ->> %(param_9)s::VARCHAR AS DOUBLE PRECISION) END BETWEEN %(param_10)s::INTEGER AND %(param_11)s::INTEGER OR events.city IS NULL)) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other;
