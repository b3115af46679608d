WITH ff1_funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)), ff1_funnel_step0 AS (SELECT ff1_funnel_events.person AS person, min(ff1_funnel_events.ts) AS t0
FROM ff1_funnel_events
WHERE ff1_funnel_events.event = ? AND ff1_funnel_events.ts < ? AND ff1_funnel_events.m0 = ?
GROUP BY ff1_funnel_events.person), ff1_funnel_step1 AS (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, min(ff1_funnel_events.ts) AS t1
FROM ff1_funnel_step0
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step0.person AND ff1_funnel_events.event = ? AND ff1_funnel_events.ts > ff1_funnel_step0.t0 AND ff1_funnel_events.ts <= ff1_funnel_step0.t0 + ?
GROUP BY ff1_funnel_step0.person, ff1_funnel_step0.t0), ff1_funnel_step2 AS (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, min(ff1_funnel_events.ts) AS t2
FROM ff1_funnel_step1
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step1.person AND ff1_funnel_events.event = ? AND ff1_funnel_events.ts > ff1_funnel_step1.t1 AND ff1_funnel_events.ts <= ff1_funnel_step1.t0 + ?
GROUP BY ff1_funnel_step1.person, ff1_funnel_step1.t0, ff1_funnel_step1.t1), ff1_funnel_people AS (SELECT ff1_funnel_step0.person AS person, ? AS grp, ff1_funnel_step0.t0 AS t0, ff1_funnel_step1.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step0
LEFT OUTER JOIN ff1_funnel_step1 ON ff1_funnel_step1.person = ff1_funnel_step0.person
LEFT OUTER JOIN ff1_funnel_step2 ON ff1_funnel_step2.person = ff1_funnel_step0.person) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL) AND (users.last_seen < ? OR users.last_seen = ? AND users.id < ?)
ORDER BY users.last_seen DESC, users.id DESC
LIMIT ? OFFSET ?;

WITH ff1_funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)), ff1_funnel_step0 AS (SELECT ff1_funnel_events.person AS person, min(ff1_funnel_events.ts) AS t0
FROM ff1_funnel_events
WHERE ff1_funnel_events.event = ? AND ff1_funnel_events.ts < ? AND ff1_funnel_events.m0 = ?
GROUP BY ff1_funnel_events.person), ff1_funnel_step1 AS (SELECT ff1_funnel_step0.person AS person, ff1_funnel_step0.t0 AS t0, min(ff1_funnel_events.ts) AS t1
FROM ff1_funnel_step0
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step0.person AND ff1_funnel_events.event = ? AND ff1_funnel_events.ts > ff1_funnel_step0.t0 AND ff1_funnel_events.ts <= ff1_funnel_step0.t0 + ?
GROUP BY ff1_funnel_step0.person, ff1_funnel_step0.t0), ff1_funnel_step2 AS (SELECT ff1_funnel_step1.person AS person, ff1_funnel_step1.t0 AS t0, ff1_funnel_step1.t1 AS t1, min(ff1_funnel_events.ts) AS t2
FROM ff1_funnel_step1
JOIN ff1_funnel_events ON ff1_funnel_events.person = ff1_funnel_step1.person AND ff1_funnel_events.event = ? AND ff1_funnel_events.ts > ff1_funnel_step1.t1 AND ff1_funnel_events.ts <= ff1_funnel_step1.t0 + ?
GROUP BY ff1_funnel_step1.person, ff1_funnel_step1.t0, ff1_funnel_step1.t1), ff1_funnel_people AS (SELECT ff1_funnel_step0.person AS person, ? AS grp, ff1_funnel_step0.t0 AS t0, ff1_funnel_step1.t1 AS t1, ff1_funnel_step2.t2 AS t2
FROM ff1_funnel_step0
LEFT OUTER JOIN ff1_funnel_step1 ON ff1_funnel_step1.person = ff1_funnel_step0.person
LEFT OUTER JOIN ff1_funnel_step2 ON ff1_funnel_step2.person = ff1_funnel_step0.person) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT ff1_funnel_people.person
FROM ff1_funnel_people
WHERE ff1_funnel_people.t1 IS NOT NULL AND ff1_funnel_people.t2 IS NULL);
