WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0, events.id AS id, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN events.city END AS g
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)) SELECT funnel_step0.g AS g, count(*) AS n
FROM (SELECT first_entry.person AS person, first_entry.ts AS t0, first_entry.g AS g
FROM (SELECT funnel_events.person AS person, funnel_events.ts AS ts, funnel_events.g AS g, row_number() OVER (PARTITION BY funnel_events.person
ORDER BY funnel_events.ts, funnel_events.id) AS rn
FROM funnel_events
WHERE funnel_events.event = ? AND funnel_events.ts < ? AND funnel_events.m0 = ?) AS first_entry
WHERE first_entry.rn = ?) AS funnel_step0
GROUP BY funnel_step0.g
ORDER BY n DESC, funnel_step0.g ASC NULLS LAST
LIMIT ? OFFSET ?;

WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0, events.id AS id, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN events.city END AS g
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)), funnel_step0 AS (SELECT first_entry.person AS person, first_entry.ts AS t0, first_entry.g AS g
FROM (SELECT funnel_events.person AS person, funnel_events.ts AS ts, funnel_events.g AS g, row_number() OVER (PARTITION BY funnel_events.person
ORDER BY funnel_events.ts, funnel_events.id) AS rn
FROM funnel_events
WHERE funnel_events.event = ? AND funnel_events.ts < ? AND funnel_events.m0 = ?) AS first_entry
WHERE first_entry.rn = ?), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + ?
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + ?
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, CASE WHEN (funnel_step0.g = ?) THEN ? WHEN (funnel_step0.g IS NULL) THEN ? ELSE ? END AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT ranked.grp, count(*) AS c0, count(ranked.d1) AS c1, sum(ranked.d1) AS s1, count(ranked.d2) AS c2, sum(ranked.d2) AS s2, avg(CASE WHEN (ranked._rn0 IN ((ranked._cnt0 + ?) / ?, (ranked._cnt0 + ?) / ?)) THEN ranked.d1 END) AS median_d1, avg(CASE WHEN (ranked._rn1 IN ((ranked._cnt1 + ?) / ?, (ranked._cnt1 + ?) / ?)) THEN ranked.d2 END) AS median_d2
FROM (SELECT funnel_diffs.grp AS grp, funnel_diffs.t0 AS t0, funnel_diffs.d1 AS d1, funnel_diffs.d2 AS d2, row_number() OVER (PARTITION BY funnel_diffs.grp
ORDER BY funnel_diffs.d1 ASC NULLS LAST) AS _rn0, count(funnel_diffs.d1) OVER (PARTITION BY funnel_diffs.grp) AS _cnt0, row_number() OVER (PARTITION BY funnel_diffs.grp
ORDER BY funnel_diffs.d2 ASC NULLS LAST) AS _rn1, count(funnel_diffs.d2) OVER (PARTITION BY funnel_diffs.grp) AS _cnt1
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people
UNION ALL SELECT ? AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs) AS ranked
GROUP BY ranked.grp;
