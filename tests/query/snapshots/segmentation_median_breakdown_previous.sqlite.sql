SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT ? AS ev, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.ev, ranked.rn;

SELECT rows.ev, rows.gi, rows.b, median(rows.num) AS median
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?
LIMIT -1 OFFSET ?) AS rows
GROUP BY rows.ev, rows.gi, rows.b;

SELECT rows.ev, rows.gi, median(rows.num) AS median
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?
LIMIT -1 OFFSET ?) AS rows
GROUP BY rows.ev, rows.gi;

SELECT rows.ev, rows.gi, rows.b, median(rows.num) AS median
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?
LIMIT -1 OFFSET ?) AS rows
GROUP BY rows.ev, rows.gi, rows.b;

SELECT rows.ev, rows.gi, median(rows.num) AS median
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?
LIMIT -1 OFFSET ?) AS rows
GROUP BY rows.ev, rows.gi;
