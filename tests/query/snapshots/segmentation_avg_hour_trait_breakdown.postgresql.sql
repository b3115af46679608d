SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT events.event AS ev, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_2)s::VARCHAR END AS g
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_3)s::BIGINT AND events.ts < %(param_4)s::BIGINT) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= %(param_5)s::INTEGER
ORDER BY ranked.ev, ranked.rn;

SELECT events.event AS ev, CASE WHEN (events.event = %(param_1)s::VARCHAR AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IN (__[POSTCOMPILE_param_4]) OR CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) OR events.event = %(param_5)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IN (__[POSTCOMPILE_param_6])) THEN CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END ELSE NULL END AS grp, CASE WHEN (events.event = %(param_1)s::VARCHAR AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IN (__[POSTCOMPILE_param_4]) OR CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) OR events.event = %(param_5)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IN (__[POSTCOMPILE_param_6])) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END AS oth, (events.ts + %(param_9)s::BIGINT) / %(param_10)s::BIGINT AS b, sum(CASE WHEN (jsonb_typeof(events.properties -> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR) THEN CAST(events.properties ->> %(param_13)s::VARCHAR AS DOUBLE PRECISION) END) AS s, count(CASE WHEN (jsonb_typeof(events.properties -> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR) THEN CAST(events.properties ->> %(param_13)s::VARCHAR AS DOUBLE PRECISION) END) AS c
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_14)s::BIGINT AND events.ts < %(param_15)s::BIGINT
GROUP BY ev, grp, oth, b;
