SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT CASE WHEN (json_type(users.traits, ?) = ?) THEN ? WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE json_type(users.traits, ?) END AS t, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN CASE WHEN (abs(json_extract(users.traits, ?)) < ?) THEN CASE WHEN ((users.traits -> ?) LIKE ?) THEN (substr(users.traits -> ?, ?, length(users.traits -> ?) - ?) || ?) || substr(users.traits -> ?, ?) WHEN (ltrim(users.traits -> ?, ?) GLOB ?) THEN ((CASE WHEN ((users.traits -> ?) LIKE ?) THEN ? ELSE ? END || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?, ?)) || CASE WHEN (length(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?)) > ?) THEN ? || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?) ELSE ? END) || ? ELSE users.traits -> ? END ELSE users.traits -> ? END WHEN ? THEN ? WHEN ? THEN ? END AS v
FROM users) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v
LIMIT ? OFFSET ?;
