SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE json_extract(users.traits, ?) = ? AND CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END > ? AND users.id IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ? AND did_events.ts >= ? AND did_events.ts < ?
GROUP BY did_events.person HAVING count(*) >= ?)
ORDER BY users.last_seen DESC, users.id DESC
LIMIT ? OFFSET ?;

SELECT count(*) AS n
FROM users
WHERE json_extract(users.traits, ?) = ? AND CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END > ? AND users.id IN (SELECT did_events.person
FROM events AS did_events
WHERE did_events.event = ? AND did_events.ts >= ? AND did_events.ts < ?
GROUP BY did_events.person HAVING count(*) >= ?);
