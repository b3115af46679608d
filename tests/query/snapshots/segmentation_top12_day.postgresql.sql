SELECT event_hours.event, sum(event_hours.n) AS n
FROM event_hours
WHERE event_hours.hour >= %(param_1)s::BIGINT AND event_hours.hour < %(param_2)s::BIGINT
GROUP BY event_hours.event
ORDER BY n DESC, event_hours.event COLLATE "C"
LIMIT %(param_3)s::INTEGER;

SELECT event_hours.event AS ev, (event_hours.hour + CASE WHEN (event_hours.hour < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT AS b, sum(event_hours.n) AS v
FROM event_hours
WHERE event_hours.event IN (__[POSTCOMPILE_event_1]) AND event_hours.hour >= %(param_5)s::BIGINT AND event_hours.hour < %(param_6)s::BIGINT
GROUP BY ev, b;
