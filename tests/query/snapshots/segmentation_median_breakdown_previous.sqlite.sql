SELECT ranked.event, ranked.g
FROM (SELECT base.event AS event, base.g AS g, row_number() OVER (PARTITION BY base.event
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (json_type(events.properties, ?) = ?) THEN json_extract(events.properties, ?) WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN events.properties -> ? WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.event, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.event, ranked.rn;

SELECT ranked.event, ranked.grp, ranked.other, ranked.b, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.event AS event, rows.grp AS grp, rows.other AS other, rows.b AS b, rows.num AS v, row_number() OVER (PARTITION BY rows.event, rows.grp, rows.other, rows.b
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.event, rows.grp, rows.other, rows.b) AS cnt
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN ? ELSE ? END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, ? AS b, CASE WHEN (json_type(events.properties, ?) = ?) THEN json_extract(events.properties, ?) WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN events.properties -> ? WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows) AS ranked
GROUP BY ranked.event, ranked.grp, ranked.other, ranked.b;

SELECT ranked.event, ranked.grp, ranked.other, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.event AS event, rows.grp AS grp, rows.other AS other, rows.num AS v, row_number() OVER (PARTITION BY rows.event, rows.grp, rows.other
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.event, rows.grp, rows.other) AS cnt
FROM (SELECT base.event AS event, base.person AS person, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN ? ELSE ? END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (json_type(events.properties, ?) = ?) THEN json_extract(events.properties, ?) WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN events.properties -> ? WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows) AS ranked
GROUP BY ranked.event, ranked.grp, ranked.other;

SELECT ranked.event, ranked.grp, ranked.other, ranked.b, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.event AS event, rows.grp AS grp, rows.other AS other, rows.b AS b, rows.num AS v, row_number() OVER (PARTITION BY rows.event, rows.grp, rows.other, rows.b
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.event, rows.grp, rows.other, rows.b) AS cnt
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN ? ELSE ? END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, ? AS b, CASE WHEN (json_type(events.properties, ?) = ?) THEN json_extract(events.properties, ?) WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN events.properties -> ? WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows) AS ranked
GROUP BY ranked.event, ranked.grp, ranked.other, ranked.b;

SELECT ranked.event, ranked.grp, ranked.other, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.event AS event, rows.grp AS grp, rows.other AS other, rows.num AS v, row_number() OVER (PARTITION BY rows.event, rows.grp, rows.other
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.event, rows.grp, rows.other) AS cnt
FROM (SELECT base.event AS event, base.person AS person, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN base.g ELSE NULL END AS grp, CASE WHEN (base.event = ? AND (base.g IN (__[POSTCOMPILE_g_1]) OR base.g IS NULL) OR base.event = ? AND base.g IN (__[POSTCOMPILE_g_2])) THEN ? ELSE ? END AS other, base.num AS num
FROM (SELECT events.event AS event, events.person AS person, CASE WHEN (json_type(events.properties, ?) = ?) THEN json_extract(events.properties, ?) WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN events.properties -> ? WHEN (json_type(events.properties, ?) = ?) THEN ? WHEN (json_type(events.properties, ?) = ?) THEN ? END AS g, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows) AS ranked
GROUP BY ranked.event, ranked.grp, ranked.other;
