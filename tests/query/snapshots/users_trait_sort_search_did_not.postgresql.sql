WITH anon_1 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_15)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_16)s::INTEGER), anon_2 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_17)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_18)s::INTEGER) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS _rank, CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END AS _num, CASE WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN CASE WHEN (jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_14)s::VARCHAR END END AS _txt
FROM users
WHERE ((users.id NOT IN (SELECT anon_1.person
FROM anon_1)) OR (users.id NOT IN (SELECT anon_2.person
FROM anon_2))) AND (users.id = %(param_19)s::VARCHAR OR users.id IN (SELECT identities.person
FROM identities
WHERE identities.distinct_id = %(param_20)s::VARCHAR) OR users.email LIKE %(param_21)s::VARCHAR ESCAPE '\' AND substr(users.email, %(substr_1)s::INTEGER, %(substr_2)s::INTEGER) = %(param_22)s::VARCHAR) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END > %(param_23)s::INTEGER OR CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END = %(param_24)s::INTEGER AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END > %(param_25)s::INTEGER OR CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END = %(param_26)s::INTEGER AND (users.id COLLATE "C") > (%(param_27)s::VARCHAR COLLATE "C")))
ORDER BY CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END ASC, CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END ASC, CASE WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN CASE WHEN (jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_14)s::VARCHAR END END COLLATE "C" ASC, users.id COLLATE "C" ASC
LIMIT %(param_28)s::INTEGER;

WITH anon_1 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_1)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_2)s::INTEGER), anon_2 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_3)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_4)s::INTEGER) SELECT count(*) AS n
FROM users
WHERE ((users.id NOT IN (SELECT anon_1.person
FROM anon_1)) OR (users.id NOT IN (SELECT anon_2.person
FROM anon_2))) AND (users.id = %(param_5)s::VARCHAR OR users.id IN (SELECT identities.person
FROM identities
WHERE identities.distinct_id = %(param_6)s::VARCHAR) OR users.email LIKE %(param_7)s::VARCHAR ESCAPE '\' AND substr(users.email, %(substr_1)s::INTEGER, %(substr_2)s::INTEGER) = %(param_8)s::VARCHAR);
