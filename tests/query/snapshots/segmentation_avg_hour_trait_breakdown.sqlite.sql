SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT ? AS ev, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.ev, ranked.rn;

SELECT ? AS ev, keyed.gi, keyed.b, sum(keyed.num) AS s, count(keyed.num) AS c, count(*) AS n
FROM (SELECT CASE ? WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, (events.ts + ?) / ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?
LIMIT -1 OFFSET ?) AS keyed
GROUP BY keyed.gi, keyed.b;
