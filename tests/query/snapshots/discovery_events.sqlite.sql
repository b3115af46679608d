SELECT top.event, top.count, (SELECT max(events.ts) AS max_1
FROM events
WHERE events.event = top.event AND events.ts >= ? AND events.ts < ?) AS last_seen
FROM (SELECT event_hours.event AS event, sum(event_hours.n) AS count
FROM event_hours
WHERE event_hours.hour >= ? AND event_hours.hour < ?
GROUP BY event_hours.event
ORDER BY sum(event_hours.n) DESC, event_hours.event
LIMIT ? OFFSET ?) AS top
ORDER BY top.count DESC, top.event;
