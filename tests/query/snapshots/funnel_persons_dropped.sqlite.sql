WITH ff1_funnel_step0 AS (SELECT ff1_funnel_entry_events.person AS person, min(ff1_funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS ff1_funnel_entry_events
WHERE ff1_funnel_entry_events.m0 = ?
GROUP BY ff1_funnel_entry_events.person), ff1_funnel_step1 AS MATERIALIZED (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, CASE WHEN (ff1_funnel_step0.t0 IS NOT NULL) THEN (SELECT min(ff1_funnel_e1.ts) AS min_2
FROM events AS ff1_funnel_e1
WHERE ff1_funnel_e1.event = ? AND ff1_funnel_e1.person = ff1_funnel_step0.person AND ff1_funnel_e1.ts > ff1_funnel_step0.t0 AND ff1_funnel_e1.ts <= ff1_funnel_step0.t0 + ?) END AS t1
FROM ff1_funnel_step0), ff1_funnel_step2 AS MATERIALIZED (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, CASE WHEN (ff1_funnel_step1.t1 IS NOT NULL) THEN (SELECT min(ff1_funnel_e2.ts) AS min_1
FROM events AS ff1_funnel_e2
WHERE ff1_funnel_e2.event = ? AND ff1_funnel_e2.person = ff1_funnel_step1.person AND ff1_funnel_e2.ts > ff1_funnel_step1.t1 AND ff1_funnel_e2.ts <= ff1_funnel_step1.t0 + ?) END AS t2
FROM ff1_funnel_step1), ff1_funnel_people AS (SELECT ff1_funnel_step2.person AS person, ? AS grp, ff1_funnel_step2.t0 AS t0, ff1_funnel_step2.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step2) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL) AND (users.last_seen < ? OR users.last_seen = ? AND users.id < ?)
ORDER BY users.last_seen DESC, users.id DESC
LIMIT ? OFFSET ?;

WITH ff1_funnel_step0 AS (SELECT ff1_funnel_entry_events.person AS person, min(ff1_funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS ff1_funnel_entry_events
WHERE ff1_funnel_entry_events.m0 = ?
GROUP BY ff1_funnel_entry_events.person), ff1_funnel_step1 AS MATERIALIZED (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, CASE WHEN (ff1_funnel_step0.t0 IS NOT NULL) THEN (SELECT min(ff1_funnel_e1.ts) AS min_2
FROM events AS ff1_funnel_e1
WHERE ff1_funnel_e1.event = ? AND ff1_funnel_e1.person = ff1_funnel_step0.person AND ff1_funnel_e1.ts > ff1_funnel_step0.t0 AND ff1_funnel_e1.ts <= ff1_funnel_step0.t0 + ?) END AS t1
FROM ff1_funnel_step0), ff1_funnel_step2 AS MATERIALIZED (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, CASE WHEN (ff1_funnel_step1.t1 IS NOT NULL) THEN (SELECT min(ff1_funnel_e2.ts) AS min_1
FROM events AS ff1_funnel_e2
WHERE ff1_funnel_e2.event = ? AND ff1_funnel_e2.person = ff1_funnel_step1.person AND ff1_funnel_e2.ts > ff1_funnel_step1.t1 AND ff1_funnel_e2.ts <= ff1_funnel_step1.t0 + ?) END AS t2
FROM ff1_funnel_step1), ff1_funnel_people AS (SELECT ff1_funnel_step2.person AS person, ? AS grp, ff1_funnel_step2.t0 AS t0, ff1_funnel_step2.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step2) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL);
