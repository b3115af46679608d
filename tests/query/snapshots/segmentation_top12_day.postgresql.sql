SELECT events.event, count(*) AS n
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_1)s::BIGINT AND events.ts < %(param_2)s::BIGINT
GROUP BY events.event
ORDER BY n DESC, events.event COLLATE "C"
LIMIT %(param_3)s::INTEGER;

SELECT events.event AS ev, (events.ts + CASE WHEN (events.ts < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT AS b, count(*) AS v
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_5)s::BIGINT AND events.ts < %(param_6)s::BIGINT
GROUP BY ev, b;
