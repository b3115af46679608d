WITH anon_1 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_7)s::VARCHAR AND did_events.ts >= %(param_8)s::BIGINT AND did_events.ts < %(param_9)s::BIGINT
GROUP BY did_events.person HAVING count(*) >= %(param_10)s::INTEGER) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE (users.traits ->> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR) THEN CAST(users.traits ->> %(param_5)s::VARCHAR AS DOUBLE PRECISION) END > %(param_6)s::INTEGER AND users.id IN (SELECT anon_1.person
FROM anon_1)
ORDER BY users.last_seen DESC, users.id COLLATE "C" DESC
LIMIT %(param_11)s::INTEGER;

WITH anon_1 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_7)s::VARCHAR AND did_events.ts >= %(param_8)s::BIGINT AND did_events.ts < %(param_9)s::BIGINT
GROUP BY did_events.person HAVING count(*) >= %(param_10)s::INTEGER) SELECT count(*) AS n
FROM users
WHERE (users.traits ->> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR) THEN CAST(users.traits ->> %(param_5)s::VARCHAR AS DOUBLE PRECISION) END > %(param_6)s::INTEGER AND users.id IN (SELECT anon_1.person
FROM anon_1);
