SELECT vals.t, vals.v, count(*) AS count
FROM (SELECT CASE WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE json_type(events.properties, ?) END AS t, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN CASE WHEN (abs(json_extract(events.properties, ?)) < ?) THEN CASE WHEN ((events.properties -> ?) LIKE ?) THEN (substr(events.properties -> ?, ?, length(events.properties -> ?) - ?) || ?) || substr(events.properties -> ?, ?) WHEN (ltrim(events.properties -> ?, ?) GLOB ?) THEN ((CASE WHEN ((events.properties -> ?) LIKE ?) THEN ? ELSE ? END || substr(substr(events.properties -> ?, instr(events.properties -> ?, ?) + ?), ?, ?)) || CASE WHEN (length(substr(events.properties -> ?, instr(events.properties -> ?, ?) + ?)) > ?) THEN ? || substr(substr(events.properties -> ?, instr(events.properties -> ?, ?) + ?), ?) ELSE ? END) || ? ELSE events.properties -> ? END ELSE events.properties -> ? END WHEN ? THEN ? WHEN ? THEN ? END AS v
FROM events
WHERE events.event IS NOT NULL
ORDER BY events.id DESC
LIMIT ? OFFSET ?) AS vals
WHERE vals.v IS NOT NULL
GROUP BY vals.t, vals.v
ORDER BY count DESC, vals.t, vals.v
LIMIT ? OFFSET ?;
