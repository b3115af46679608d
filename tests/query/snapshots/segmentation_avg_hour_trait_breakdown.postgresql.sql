SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT %(param_1)s::VARCHAR AS ev, CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END AS g
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_4)s::VARCHAR AND events.ts >= %(param_5)s::BIGINT AND events.ts < %(param_6)s::BIGINT) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= %(param_7)s::INTEGER
ORDER BY ranked.ev, ranked.rn;

SELECT %(param_1)s::VARCHAR AS ev, keyed.gi, keyed.b, sum(keyed.num) AS s, count(keyed.num) AS c, count(*) AS n
FROM (SELECT CASE %(param_1)s::VARCHAR WHEN %(param_2)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_4)s::VARCHAR END WHEN %(param_5)s::VARCHAR THEN %(param_6)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(users.traits -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_4)s::VARCHAR END IS NULL) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END END WHEN %(param_9)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_4)s::VARCHAR END WHEN %(param_10)s::VARCHAR THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END ELSE %(param_13)s::INTEGER END AS gi, (events.ts + %(param_14)s::BIGINT) / %(param_15)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_16)s::VARCHAR) = %(param_17)s::VARCHAR) THEN CAST(events.properties ->> %(param_18)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_19)s::VARCHAR AND events.ts >= %(param_20)s::BIGINT AND events.ts < %(param_21)s::BIGINT
LIMIT ALL OFFSET 0) AS keyed
GROUP BY keyed.gi, keyed.b;
