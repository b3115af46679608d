SELECT events.event AS ev, ((events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? + ?) / ? AS b, count(DISTINCT events.person) AS v
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND lower(json_extract(events.properties, ?)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END BETWEEN ? AND ? OR events.city IS NULL)
GROUP BY ev, b;

SELECT events.event AS ev, count(DISTINCT events.person) AS v
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND lower(json_extract(events.properties, ?)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END BETWEEN ? AND ? OR events.city IS NULL)
GROUP BY ev;
