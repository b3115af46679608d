SELECT event_hours.event, sum(event_hours.n) AS n
FROM event_hours
WHERE event_hours.hour >= ? AND event_hours.hour < ?
GROUP BY event_hours.event
ORDER BY n DESC, event_hours.event
LIMIT ? OFFSET ?;

SELECT event_hours.event AS ev, (event_hours.hour + CASE WHEN (event_hours.hour < ?) THEN ? ELSE ? END) / ? AS b, sum(event_hours.n) AS v
FROM event_hours
WHERE event_hours.event IN (__[POSTCOMPILE_event_1]) AND event_hours.hour >= ? AND event_hours.hour < ?
GROUP BY ev, b;
