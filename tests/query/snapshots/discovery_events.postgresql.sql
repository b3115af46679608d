SELECT events.event, count(*) AS count, max(events.ts) AS last_seen
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_1)s::BIGINT AND events.ts < %(param_2)s::BIGINT
GROUP BY events.event
ORDER BY count DESC, events.event COLLATE "C"
LIMIT %(param_3)s::INTEGER;
