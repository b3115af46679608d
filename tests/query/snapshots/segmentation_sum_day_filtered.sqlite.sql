SELECT ? AS ev, keyed.b, sum(keyed.num) AS s, count(keyed.num) AS c, count(*) AS n
FROM (SELECT (events.ts + ?) / ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ? AND json_extract(events.properties, ?) = ?
LIMIT -1 OFFSET ?) AS keyed
GROUP BY keyed.b;
