WITH ff1_funnel_step0 AS (SELECT ff1_funnel_entry_events.person AS person, min(ff1_funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_6)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_7)s::VARCHAR AND events.ts < %(param_8)s::BIGINT AND jsonb_typeof(events.properties -> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR AND (events.properties ->> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR AND events.ts >= %(param_13)s::BIGINT) AS ff1_funnel_entry_events
WHERE ff1_funnel_entry_events.m0 = %(param_14)s::INTEGER
GROUP BY ff1_funnel_entry_events.person), ff1_funnel_step1 AS MATERIALIZED (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, CASE WHEN (ff1_funnel_step0.t0 IS NOT NULL) THEN (SELECT min(ff1_funnel_e1.ts) AS min_2
FROM events AS ff1_funnel_e1
WHERE ff1_funnel_e1.event = %(param_4)s::VARCHAR AND ff1_funnel_e1.person = ff1_funnel_step0.person AND ff1_funnel_e1.ts > ff1_funnel_step0.t0 AND ff1_funnel_e1.ts <= ff1_funnel_step0.t0 + %(param_5)s::BIGINT) END AS t1
FROM ff1_funnel_step0), ff1_funnel_step2 AS MATERIALIZED (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, CASE WHEN (ff1_funnel_step1.t1 IS NOT NULL) THEN (SELECT min(ff1_funnel_e2.ts) AS min_1
FROM events AS ff1_funnel_e2
WHERE ff1_funnel_e2.event = %(param_2)s::VARCHAR AND ff1_funnel_e2.person = ff1_funnel_step1.person AND ff1_funnel_e2.ts > ff1_funnel_step1.t1 AND ff1_funnel_e2.ts <= ff1_funnel_step1.t0 + %(param_3)s::BIGINT) END AS t2
FROM ff1_funnel_step1), ff1_funnel_people AS (SELECT ff1_funnel_step2.person AS person, %(param_1)s::INTEGER AS grp, ff1_funnel_step2.t0 AS t0, ff1_funnel_step2.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step2) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL) AND (users.last_seen < %(param_15)s::INTEGER OR users.last_seen = %(param_16)s::INTEGER AND (users.id COLLATE "C") < (%(param_17)s::VARCHAR COLLATE "C"))
ORDER BY users.last_seen DESC, users.id COLLATE "C" DESC
LIMIT %(param_18)s::INTEGER;

WITH ff1_funnel_step0 AS (SELECT ff1_funnel_entry_events.person AS person, min(ff1_funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_6)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_7)s::VARCHAR AND events.ts < %(param_8)s::BIGINT AND jsonb_typeof(events.properties -> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR AND (events.properties ->> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR AND events.ts >= %(param_13)s::BIGINT) AS ff1_funnel_entry_events
WHERE ff1_funnel_entry_events.m0 = %(param_14)s::INTEGER
GROUP BY ff1_funnel_entry_events.person), ff1_funnel_step1 AS MATERIALIZED (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, CASE WHEN (ff1_funnel_step0.t0 IS NOT NULL) THEN (SELECT min(ff1_funnel_e1.ts) AS min_2
FROM events AS ff1_funnel_e1
WHERE ff1_funnel_e1.event = %(param_4)s::VARCHAR AND ff1_funnel_e1.person = ff1_funnel_step0.person AND ff1_funnel_e1.ts > ff1_funnel_step0.t0 AND ff1_funnel_e1.ts <= ff1_funnel_step0.t0 + %(param_5)s::BIGINT) END AS t1
FROM ff1_funnel_step0), ff1_funnel_step2 AS MATERIALIZED (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, CASE WHEN (ff1_funnel_step1.t1 IS NOT NULL) THEN (SELECT min(ff1_funnel_e2.ts) AS min_1
FROM events AS ff1_funnel_e2
WHERE ff1_funnel_e2.event = %(param_2)s::VARCHAR AND ff1_funnel_e2.person = ff1_funnel_step1.person AND ff1_funnel_e2.ts > ff1_funnel_step1.t1 AND ff1_funnel_e2.ts <= ff1_funnel_step1.t0 + %(param_3)s::BIGINT) END AS t2
FROM ff1_funnel_step1), ff1_funnel_people AS (SELECT ff1_funnel_step2.person AS person, %(param_1)s::INTEGER AS grp, ff1_funnel_step2.t0 AS t0, ff1_funnel_step2.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step2) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL);
