SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE ? END AS _rank, CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(users.traits, ?) END AS _num, CASE WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN CASE WHEN (abs(json_extract(users.traits, ?)) < ?) THEN CASE WHEN ((users.traits -> ?) LIKE ?) THEN (substr(users.traits -> ?, ?, length(users.traits -> ?) - ?) || ?) || substr(users.traits -> ?, ?) WHEN (ltrim(users.traits -> ?, ?) GLOB ?) THEN ((CASE WHEN ((users.traits -> ?) LIKE ?) THEN ? ELSE ? END || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?, ?)) || CASE WHEN (length(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?)) > ?) THEN ? || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?) ELSE ? END) || ? ELSE users.traits -> ? END ELSE users.traits -> ? END WHEN ? THEN ? WHEN ? THEN ? END END AS _txt
FROM users
WHERE ((users.id NOT IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ?
GROUP BY did_events.person HAVING count(*) > ?)) OR (users.id NOT IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ?
GROUP BY did_events.person HAVING count(*) > ?))) AND (users.id = ? OR users.id IN (SELECT identities.person
FROM identities
WHERE identities.distinct_id = ?) OR users.email >= ? AND users.email < ? AND substr(users.email, ?, ?) = ?) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE ? END > ? OR CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE ? END = ? AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(users.traits, ?) END > ? OR CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(users.traits, ?) END = ? AND users.id > ?))
ORDER BY CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN ? WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN ? ELSE ? END ASC, CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(users.traits, ?) END ASC, CASE WHEN (json_type(users.traits, ?) = ? OR json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN CASE WHEN (abs(json_extract(users.traits, ?)) < ?) THEN CASE WHEN ((users.traits -> ?) LIKE ?) THEN (substr(users.traits -> ?, ?, length(users.traits -> ?) - ?) || ?) || substr(users.traits -> ?, ?) WHEN (ltrim(users.traits -> ?, ?) GLOB ?) THEN ((CASE WHEN ((users.traits -> ?) LIKE ?) THEN ? ELSE ? END || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?, ?)) || CASE WHEN (length(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?)) > ?) THEN ? || substr(substr(users.traits -> ?, instr(users.traits -> ?, ?) + ?), ?) ELSE ? END) || ? ELSE users.traits -> ? END ELSE users.traits -> ? END WHEN ? THEN ? WHEN ? THEN ? END END ASC, users.id ASC
LIMIT ? OFFSET ?;

SELECT count(*) AS n
FROM users
WHERE ((users.id NOT IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ?
GROUP BY did_events.person HAVING count(*) > ?)) OR (users.id NOT IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ?
GROUP BY did_events.person HAVING count(*) > ?))) AND (users.id = ? OR users.id IN (SELECT identities.person
FROM identities
WHERE identities.distinct_id = ?) OR users.email >= ? AND users.email < ? AND substr(users.email, ?, ?) = ?);
