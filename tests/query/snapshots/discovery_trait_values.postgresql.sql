SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) AS t, CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END AS v
FROM users) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v COLLATE "C"
LIMIT %(param_4)s::INTEGER;
