SELECT rows.event, rows.grp, rows.other, rows.b, count(DISTINCT rows.person) AS v
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, NULL AS grp, ? AS other
FROM (SELECT events.event AS event, events.person AS person, ((events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? + ?) / ? AS b
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND lower(json_extract(events.properties, ?)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END BETWEEN ? AND ? OR events.city IS NULL)) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;

SELECT rows.event, rows.grp, rows.other, count(DISTINCT rows.person) AS v
FROM (SELECT base.event AS event, base.person AS person, NULL AS grp, ? AS other
FROM (SELECT events.event AS event, events.person AS person
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND lower(json_extract(events.properties, ?)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(users.traits, ?) END BETWEEN ? AND ? OR events.city IS NULL)) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other;
