SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT CASE WHEN (json_type(users.traits, ?) = ?) THEN ? WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE json_type(users.traits, ?) END AS t, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END AS v
FROM users) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v
LIMIT ? OFFSET ?;
