SELECT %(param_1)s::VARCHAR AS ev, keyed.b, sum(keyed.num) AS s, count(keyed.num) AS c, count(*) AS n
FROM (SELECT (events.ts + %(param_2)s::BIGINT) / %(param_3)s::BIGINT AS b, CASE WHEN (jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR) THEN CAST(events.properties ->> %(param_6)s::VARCHAR AS DOUBLE PRECISION) END AS num
FROM events
WHERE events.event = %(param_7)s::VARCHAR AND events.ts >= %(param_8)s::BIGINT AND events.ts < %(param_9)s::BIGINT AND (events.properties ->> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR
LIMIT ALL OFFSET 0) AS keyed
GROUP BY keyed.b;
