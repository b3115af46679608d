SELECT top.event, top.count, (SELECT max(events.ts) AS max_1
FROM events
WHERE events.event = top.event AND events.ts >= %(param_1)s::BIGINT AND events.ts < %(param_2)s::BIGINT) AS last_seen
FROM (SELECT event_hours.event AS event, sum(event_hours.n) AS count
FROM event_hours
WHERE event_hours.hour >= %(param_3)s::BIGINT AND event_hours.hour < %(param_4)s::BIGINT
GROUP BY event_hours.event
ORDER BY sum(event_hours.n) DESC, event_hours.event COLLATE "C"
LIMIT %(param_5)s::INTEGER) AS top
ORDER BY top.count DESC, top.event COLLATE "C";
