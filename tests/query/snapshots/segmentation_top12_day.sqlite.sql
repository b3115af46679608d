SELECT events.event, count(*) AS n
FROM events
WHERE events.event IS NOT NULL AND events.ts >= ? AND events.ts < ?
GROUP BY events.event
ORDER BY n DESC, events.event
LIMIT ? OFFSET ?;

SELECT rows.event, rows.grp, rows.other, rows.b, count(*) AS v
FROM (SELECT base.event AS event, base.person AS person, base.b AS b, NULL AS grp, ? AS other
FROM (SELECT events.event AS event, events.person AS person, (events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? AS b
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ?) AS base) AS rows
GROUP BY rows.event, rows.grp, rows.other, rows.b;
