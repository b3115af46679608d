SELECT %(param_1)s::VARCHAR AS ev, pairs.b, count(*) AS v
FROM (SELECT DISTINCT (events.ts + CASE WHEN (events.ts < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS b, events.person AS person
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_6)s::BIGINT AND events.ts < %(param_7)s::BIGINT) AS pairs
GROUP BY pairs.b;

SELECT %(param_1)s::VARCHAR AS ev, count(*) AS v
FROM (SELECT DISTINCT events.person AS person
FROM events
WHERE events.event IS NOT NULL AND events.ts >= %(param_2)s::BIGINT AND events.ts < %(param_3)s::BIGINT) AS pairs;
