SELECT (events.ts + CASE WHEN (events.ts < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT AS b, events.event AS ev, count(*) AS v
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_5)s::BIGINT AND events.ts < %(param_6)s::BIGINT AND events.country_code = %(param_7)s::VARCHAR
GROUP BY b, ev
LIMIT %(param_8)s::INTEGER;

SELECT events.event AS ev, (events.ts + %(param_1)s::BIGINT) / %(param_2)s::BIGINT AS b, count(*) AS v
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_3)s::BIGINT AND events.ts < %(param_4)s::BIGINT AND events.country_code = %(param_5)s::VARCHAR
GROUP BY ev, b;
