SELECT ranked.event, ranked.g
FROM (SELECT base.event AS event, base.g AS g, row_number() OVER (PARTITION BY base.event
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (json_type(users.traits, ?) = ?) THEN json_extract(users.traits, ?) WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN users.traits -> ? WHEN (json_type(users.traits, ?) = ?) THEN ? WHEN (json_type(users.traits, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.event, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.event, ranked.rn;

SELECT rows.event, rows.grp, rows.other, rows.b, sum(rows.num) AS s, count(rows.num) AS c
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN ? ELSE ? END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, (events.ts + ?) / ? AS b, CASE WHEN (json_type(users.traits, ?) = ?) THEN json_extract(users.traits, ?) WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN users.traits -> ? WHEN (json_type(users.traits, ?) = ?) THEN ? WHEN (json_type(users.traits, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;
