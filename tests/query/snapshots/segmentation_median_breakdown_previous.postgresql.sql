SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT events.event AS ev, CASE WHEN (jsonb_typeof(events.properties -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_2)s::VARCHAR END AS g
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_3)s::BIGINT AND events.ts < %(param_4)s::BIGINT) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= %(param_5)s::INTEGER
ORDER BY ranked.ev, ranked.rn;

SELECT rows.ev, rows.gi, rows.b, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT events.event AS ev, CASE events.event WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, %(param_13)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_14)s::VARCHAR) = %(param_15)s::VARCHAR) THEN CAST(events.properties ->> %(param_16)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_17)s::BIGINT AND events.ts < %(param_18)s::BIGINT) AS rows
GROUP BY rows.ev, rows.gi, rows.b;

SELECT rows.ev, rows.gi, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT events.event AS ev, CASE events.event WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, CASE WHEN (jsonb_typeof(events.properties -> %(param_13)s::VARCHAR) = %(param_14)s::VARCHAR) THEN CAST(events.properties ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_16)s::BIGINT AND events.ts < %(param_17)s::BIGINT) AS rows
GROUP BY rows.ev, rows.gi;

SELECT rows.ev, rows.gi, rows.b, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT events.event AS ev, CASE events.event WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, %(param_13)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_14)s::VARCHAR) = %(param_15)s::VARCHAR) THEN CAST(events.properties ->> %(param_16)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_17)s::BIGINT AND events.ts < %(param_18)s::BIGINT) AS rows
GROUP BY rows.ev, rows.gi, rows.b;

SELECT rows.ev, rows.gi, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT events.event AS ev, CASE events.event WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, CASE WHEN (jsonb_typeof(events.properties -> %(param_13)s::VARCHAR) = %(param_14)s::VARCHAR) THEN CAST(events.properties ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_16)s::BIGINT AND events.ts < %(param_17)s::BIGINT) AS rows
GROUP BY rows.ev, rows.gi;
