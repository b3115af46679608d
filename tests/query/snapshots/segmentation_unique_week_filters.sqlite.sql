WITH pairs AS MATERIALIZED (SELECT DISTINCT events.event AS ev, ((events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? + ?) / ? AS b, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND lower(json_extract(events.properties, ?)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END BETWEEN ? AND ? OR events.city IS NULL)) SELECT pairs.ev, pairs.b, ? AS whole, count(*) AS v
FROM pairs
GROUP BY pairs.ev, pairs.b
UNION ALL SELECT pairs.ev, min(pairs.b) AS b, ? AS whole, count(DISTINCT pairs.person) AS v
FROM pairs
GROUP BY pairs.ev;
