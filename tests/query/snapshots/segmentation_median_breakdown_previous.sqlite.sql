SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT ? AS ev, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.ev, ranked.rn;

SELECT ranked.ev, ranked.gi, ranked.b, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.ev AS ev, rows.gi AS gi, rows.b AS b, rows.num AS v, row_number() OVER (PARTITION BY rows.ev, rows.gi, rows.b
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.ev, rows.gi, rows.b) AS cnt
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS rows) AS ranked
GROUP BY ranked.ev, ranked.gi, ranked.b;

SELECT ranked.ev, ranked.gi, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.ev AS ev, rows.gi AS gi, rows.num AS v, row_number() OVER (PARTITION BY rows.ev, rows.gi
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.ev, rows.gi) AS cnt
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS rows) AS ranked
GROUP BY ranked.ev, ranked.gi;

SELECT ranked.ev, ranked.gi, ranked.b, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.ev AS ev, rows.gi AS gi, rows.b AS b, rows.num AS v, row_number() OVER (PARTITION BY rows.ev, rows.gi, rows.b
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.ev, rows.gi, rows.b) AS cnt
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS rows) AS ranked
GROUP BY ranked.ev, ranked.gi, ranked.b;

SELECT ranked.ev, ranked.gi, avg(CASE WHEN (ranked.rn IN ((ranked.cnt + ?) / ?, (ranked.cnt + ?) / ?)) THEN ranked.v END) AS median
FROM (SELECT rows.ev AS ev, rows.gi AS gi, rows.num AS v, row_number() OVER (PARTITION BY rows.ev, rows.gi
ORDER BY rows.num ASC NULLS LAST) AS rn, count(rows.num) OVER (PARTITION BY rows.ev, rows.gi) AS cnt
FROM (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS rows) AS ranked
GROUP BY ranked.ev, ranked.gi;
