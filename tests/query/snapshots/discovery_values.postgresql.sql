SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT jsonb_typeof(events.properties -> %(param_1)s::VARCHAR) AS t, CASE WHEN (jsonb_typeof(events.properties -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_3)s::VARCHAR END AS v
FROM events
WHERE events.event IS NOT NULL
ORDER BY events.id DESC
LIMIT %(param_4)s::INTEGER) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v COLLATE "C"
LIMIT %(param_5)s::INTEGER;
