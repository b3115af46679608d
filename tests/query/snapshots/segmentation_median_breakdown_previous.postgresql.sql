SELECT ranked.event, ranked.g
FROM (SELECT base.event AS event, base.g AS g, row_number() OVER (PARTITION BY base.event
ORDER BY count(*) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (jsonb_typeof(events.properties -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_2)s::VARCHAR END AS g, CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR) THEN CAST(events.properties ->> %(param_5)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_6)s::BIGINT AND events.ts < %(param_7)s::BIGINT) AS base
GROUP BY base.event, base.g) AS ranked
WHERE ranked.rn <= %(param_8)s::INTEGER
ORDER BY ranked.event, ranked.rn;

SELECT rows.event, rows.grp, rows.other, rows.b, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, %(param_5)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_6)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_7)s::VARCHAR END AS g, CASE WHEN (jsonb_typeof(events.properties -> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR) THEN CAST(events.properties ->> %(param_10)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_11)s::BIGINT AND events.ts < %(param_12)s::BIGINT) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;

SELECT rows.event, rows.grp, rows.other, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT base.event AS event, base.person AS person, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (jsonb_typeof(events.properties -> %(param_5)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_6)s::VARCHAR END AS g, CASE WHEN (jsonb_typeof(events.properties -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR) THEN CAST(events.properties ->> %(param_9)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_10)s::BIGINT AND events.ts < %(param_11)s::BIGINT) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other;

SELECT rows.event, rows.grp, rows.other, rows.b, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, %(param_5)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_6)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_7)s::VARCHAR END AS g, CASE WHEN (jsonb_typeof(events.properties -> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR) THEN CAST(events.properties ->> %(param_10)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_11)s::BIGINT AND events.ts < %(param_12)s::BIGINT) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;

SELECT rows.event, rows.grp, rows.other, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY rows.num ASC) AS median
FROM (SELECT base.event AS event, base.person AS person, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = %(param_1)s::VARCHAR AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = %(param_2)s::VARCHAR AND base.g IN (__[POSTCOMPILE_g_2])) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (jsonb_typeof(events.properties -> %(param_5)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_6)s::VARCHAR END AS g, CASE WHEN (jsonb_typeof(events.properties -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR) THEN CAST(events.properties ->> %(param_9)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_10)s::BIGINT AND events.ts < %(param_11)s::BIGINT) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other;
