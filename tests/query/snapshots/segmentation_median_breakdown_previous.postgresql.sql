SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT %(param_1)s::VARCHAR AS ev, CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END AS g
FROM events
WHERE events.event = %(param_4)s::VARCHAR AND events.ts >= %(param_5)s::BIGINT AND events.ts < %(param_6)s::BIGINT) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= %(param_7)s::INTEGER
ORDER BY ranked.ev, ranked.rn;

SELECT median_rows.ev, median_rows.gi, min(median_rows.b) AS b, grouping(median_rows.b) AS whole, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY median_rows.num ASC) AS median
FROM (SELECT %(param_1)s::VARCHAR AS ev, CASE %(param_1)s::VARCHAR WHEN %(param_2)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END WHEN %(param_5)s::VARCHAR THEN %(param_6)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END IS NULL) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END END WHEN %(param_9)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END WHEN %(param_10)s::VARCHAR THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END ELSE %(param_13)s::INTEGER END AS gi, %(param_14)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_15)s::VARCHAR) = %(param_16)s::VARCHAR) THEN CAST(events.properties ->> %(param_17)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event = %(param_18)s::VARCHAR AND events.ts >= %(param_19)s::BIGINT AND events.ts < %(param_20)s::BIGINT) AS median_rows
GROUP BY GROUPING SETS((median_rows.ev, median_rows.gi, median_rows.b), (median_rows.ev, median_rows.gi));

SELECT median_rows.ev, median_rows.gi, min(median_rows.b) AS b, grouping(median_rows.b) AS whole, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY median_rows.num ASC) AS median
FROM (SELECT %(param_1)s::VARCHAR AS ev, CASE %(param_1)s::VARCHAR WHEN %(param_2)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END WHEN %(param_5)s::VARCHAR THEN %(param_6)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END IS NULL) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END END WHEN %(param_9)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END WHEN %(param_10)s::VARCHAR THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END ELSE %(param_13)s::INTEGER END AS gi, %(param_14)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_15)s::VARCHAR) = %(param_16)s::VARCHAR) THEN CAST(events.properties ->> %(param_17)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event = %(param_18)s::VARCHAR AND events.ts >= %(param_19)s::BIGINT AND events.ts < %(param_20)s::BIGINT) AS median_rows
GROUP BY GROUPING SETS((median_rows.ev, median_rows.gi, median_rows.b), (median_rows.ev, median_rows.gi));
