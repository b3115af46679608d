WITH ff1_funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_10)s::VARCHAR) THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_13)s::VARCHAR) THEN %(param_14)s::INTEGER ELSE %(param_15)s::INTEGER END AS m2
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_16)s::BIGINT AND events.ts < %(param_17)s::BIGINT AND (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR OR events.event = %(param_10)s::VARCHAR OR events.event = %(param_13)s::VARCHAR)), ff1_funnel_step0 AS (SELECT ff1_funnel_events.person AS person, min(ff1_funnel_events.ts) AS t0
FROM ff1_funnel_events
WHERE ff1_funnel_events.m0 = %(param_18)s::INTEGER
GROUP BY ff1_funnel_events.person), ff1_funnel_step1 AS (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, min(ff1_funnel_events.ts) AS t1
FROM ff1_funnel_step0
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step0.person AND ff1_funnel_events.m1 = %(param_19)s::INTEGER AND ff1_funnel_events.ts > ff1_funnel_step0.t0 AND ff1_funnel_events.ts <= ff1_funnel_step0.t0 + %(param_20)s::BIGINT
GROUP BY ff1_funnel_step0.person, ff1_funnel_step0.t0), ff1_funnel_step2 AS (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, min(ff1_funnel_events.ts) AS t2
FROM ff1_funnel_step1
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step1.person AND ff1_funnel_events.m2 = %(param_21)s::INTEGER AND ff1_funnel_events.ts > ff1_funnel_step1.t1 AND ff1_funnel_events.ts <= ff1_funnel_step1.t0 + %(param_22)s::BIGINT
GROUP BY ff1_funnel_step1.person, ff1_funnel_step1.t0, ff1_funnel_step1.t1), ff1_funnel_people AS (SELECT ff1_funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, ff1_funnel_step0.t0 AS t0, ff1_funnel_step1.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step0
LEFT OUTER JOIN ff1_funnel_step1 ON ff1_funnel_step1.person = ff1_funnel_step0.person
LEFT OUTER JOIN ff1_funnel_step2 ON ff1_funnel_step2.person = ff1_funnel_step0.person) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL) AND (users.last_seen < %(param_23)s::INTEGER OR users.last_seen = %(param_24)s::INTEGER AND (users.id COLLATE "C") < (%(param_25)s::VARCHAR COLLATE "C"))
ORDER BY users.last_seen DESC, users.id COLLATE "C" DESC
LIMIT %(param_26)s::INTEGER;

WITH ff1_funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_10)s::VARCHAR) THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_13)s::VARCHAR) THEN %(param_14)s::INTEGER ELSE %(param_15)s::INTEGER END AS m2
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_16)s::BIGINT AND events.ts < %(param_17)s::BIGINT AND (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR OR events.event = %(param_10)s::VARCHAR OR events.event = %(param_13)s::VARCHAR)), ff1_funnel_step0 AS (SELECT ff1_funnel_events.person AS person, min(ff1_funnel_events.ts) AS t0
FROM ff1_funnel_events
WHERE ff1_funnel_events.m0 = %(param_18)s::INTEGER
GROUP BY ff1_funnel_events.person), ff1_funnel_step1 AS (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, min(ff1_funnel_events.ts) AS t1
FROM ff1_funnel_step0
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step0.person AND ff1_funnel_events.m1 = %(param_19)s::INTEGER AND ff1_funnel_events.ts > ff1_funnel_step0.t0 AND ff1_funnel_events.ts <= ff1_funnel_step0.t0 + %(param_20)s::BIGINT
GROUP BY ff1_funnel_step0.person, ff1_funnel_step0.t0), ff1_funnel_step2 AS (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, min(ff1_funnel_events.ts) AS t2
FROM ff1_funnel_step1
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step1.person AND ff1_funnel_events.m2 = %(param_21)s::INTEGER AND ff1_funnel_events.ts > ff1_funnel_step1.t1 AND ff1_funnel_events.ts <= ff1_funnel_step1.t0 + %(param_22)s::BIGINT
GROUP BY ff1_funnel_step1.person, ff1_funnel_step1.t0, ff1_funnel_step1.t1), ff1_funnel_people AS (SELECT ff1_funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, ff1_funnel_step0.t0 AS t0, ff1_funnel_step1.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step0
LEFT OUTER JOIN ff1_funnel_step1 ON ff1_funnel_step1.person = ff1_funnel_step0.person
LEFT OUTER JOIN ff1_funnel_step2 ON ff1_funnel_step2.person = ff1_funnel_step0.person) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL);
