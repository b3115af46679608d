WITH anon_1 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_21)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_22)s::INTEGER), anon_2 AS MATERIALIZED (SELECT did_events.person AS person
FROM events AS did_events
WHERE did_events.event = %(param_23)s::VARCHAR
GROUP BY did_events.person HAVING count(*) > %(param_24)s::INTEGER) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS _rank, CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END AS _num, CASE WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN CASE jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) WHEN %(param_14)s::VARCHAR THEN users.traits ->> %(param_15)s::VARCHAR WHEN %(param_16)s::VARCHAR THEN users.traits ->> %(param_15)s::VARCHAR WHEN %(param_17)s::VARCHAR THEN CASE WHEN (abs(CAST(users.traits -> %(param_18)s::VARCHAR AS NUMERIC)) < %(param_19)s) THEN CASE WHEN ((users.traits ->> %(param_15)s::VARCHAR) LIKE %(param_20)s::VARCHAR) THEN CAST(CAST(users.traits ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) AS TEXT) ELSE users.traits ->> %(param_15)s::VARCHAR END ELSE users.traits ->> %(param_15)s::VARCHAR END END END AS _txt
FROM users
WHERE ((users.id NOT IN (SELECT anon_1.person
FROM anon_1)) OR (users.id NOT IN (SELECT anon_2.person
FROM anon_2))) AND (users.id = %(param_25)s::VARCHAR OR users.id IN (SELECT identities.person
FROM identities
WHERE identities.distinct_id = %(param_26)s::VARCHAR) OR users.email LIKE %(param_27)s::VARCHAR ESCAPE '\' AND substr(users.email, %(substr_1)s::INTEGER, %(substr_2)s::INTEGER) = %(param_28)s::VARCHAR) AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END > %(param_29)s::INTEGER OR CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END = %(param_30)s::INTEGER AND (CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END > %(param_31)s::INTEGER OR CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END = %(param_32)s::INTEGER AND (users.id COLLATE "C") > (%(param_33)s::VARCHAR COLLATE "C")))
ORDER BY CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN %(param_3)s::INTEGER WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END ASC, CASE WHEN (jsonb_typeof(users.traits -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR) THEN CAST(users.traits ->> %(param_12)s::VARCHAR AS DOUBLE PRECISION) END ASC, CASE WHEN (jsonb_typeof(users.traits -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR OR jsonb_typeof(users.traits -> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN CASE jsonb_typeof(users.traits -> %(param_13)s::VARCHAR) WHEN %(param_14)s::VARCHAR THEN users.traits ->> %(param_15)s::VARCHAR WHEN %(param_16)s::VARCHAR THEN users.traits ->> %(param_15)s::VARCHAR WHEN %(param_17)s::VARCHAR THEN CASE WHEN (abs(CAST(users.traits -> %(param_18)s::VARCHAR AS NUMERIC)) < %(param_19)s) THEN CASE WHEN ((users.traits ->> %(param_15)s::VARCHAR) LIKE %(param_20)s::VARCHAR) THEN CAST(CAST(users.traits ->> %(param_15)s::VARCHAR AS DOUBLE PRECISION) AS TEXT) ELSE users.traits ->> %(param_15)s::VARCHAR END ELSE users.traits ->> %(param_15)s::VARCHAR END END END COLLATE "C" ASC, users.id COLLATE "C" ASC
LIMIT %(param_34)s::INTEGER;

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
