SELECT events.event, count(*) AS n
FROM events
WHERE events.event IS NOT NULL AND events.ts >= ? AND events.ts < ?
GROUP BY events.event
ORDER BY n DESC, events.event
LIMIT ? OFFSET ?;

SELECT events.event AS ev, (events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? AS b, count(*) AS v
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?
GROUP BY ev, b;
