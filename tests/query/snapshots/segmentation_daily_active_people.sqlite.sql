SELECT ? AS ev, pairs.b, count(*) AS v
FROM (SELECT DISTINCT (events.ts + CASE WHEN (events.ts < ?) THEN ? ELSE ? END) / ? AS b, events.person AS person
FROM events
WHERE events.event IS NOT NULL AND events.ts >= ? AND events.ts < ?) AS pairs
GROUP BY pairs.b;

SELECT ? AS ev, count(*) AS v
FROM (SELECT DISTINCT events.person AS person
FROM events
WHERE events.event IS NOT NULL AND events.ts >= ? AND events.ts < ?) AS pairs;
