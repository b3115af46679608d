SELECT (events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? AS b, events.event AS ev, count(*) AS v
FROM events
WHERE events.event IS NOT NULL AND events.ts >= ? AND events.ts < ? AND events.country_code = ?
GROUP BY b, ev
LIMIT ? OFFSET ?;

SELECT events.event AS ev, (events.ts + ?) / ? AS b, count(*) AS v
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND events.country_code = ?
GROUP BY ev, b;
