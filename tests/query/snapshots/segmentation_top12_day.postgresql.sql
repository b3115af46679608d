SELECT events.event, count(*) AS n
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_1)s::BIGINT AND events.ts < %(param_2)s::BIGINT
GROUP BY events.event
ORDER BY n DESC, events.event COLLATE "C"
LIMIT %(param_3)s::INTEGER;

SELECT rows.event, rows.grp, rows.other, rows.b, count(*) AS v
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, NULL AS grp, %(param_1)s::INTEGER AS other
FROM (SELECT events.event AS event, events.person AS person, (events.ts + CASE WHEN (events.ts < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS b
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_6)s::BIGINT AND events.ts < %(param_7)s::BIGINT) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;
