SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) AS t, CASE jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) WHEN %(param_3)s::VARCHAR THEN users.traits ->> %(param_4)s::VARCHAR WHEN %(param_5)s::VARCHAR THEN users.traits ->> %(param_4)s::VARCHAR WHEN %(param_6)s::VARCHAR THEN CASE WHEN (abs(CAST(users.traits -> %(param_7)s::VARCHAR AS NUMERIC)) < %(param_8)s) THEN CASE WHEN ((users.traits ->> %(param_4)s::VARCHAR) LIKE %(param_9)s::VARCHAR) THEN CAST(CAST(users.traits ->> %(param_4)s::VARCHAR AS DOUBLE PRECISION) AS TEXT) ELSE users.traits ->> %(param_4)s::VARCHAR END ELSE users.traits ->> %(param_4)s::VARCHAR END END AS v
FROM users) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v COLLATE "C"
LIMIT %(param_10)s::INTEGER;
