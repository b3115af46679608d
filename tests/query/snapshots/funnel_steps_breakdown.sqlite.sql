SELECT funnel_step0.g AS g, count(*) AS n
FROM (SELECT funnel_first_ts.person AS person, funnel_first_ts.t0 AS t0, funnel_entry_row.city AS g
FROM (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, events.city AS g
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person) AS funnel_first_ts
JOIN events AS funnel_entry_row ON funnel_entry_row.id = (SELECT min(funnel_entry.id) AS min_1
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_first_ts.person AND funnel_entry.ts = funnel_first_ts.t0 AND funnel_entry.event = ? AND json_extract(funnel_entry.properties, ?) = ?)) AS funnel_step0
GROUP BY funnel_step0.g
ORDER BY n DESC, funnel_step0.g ASC NULLS LAST
LIMIT ? OFFSET ?;

WITH funnel_step0 AS (SELECT funnel_first_ts.person AS person, funnel_first_ts.t0 AS t0, funnel_entry_row.city AS g
FROM (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, events.city AS g
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person) AS funnel_first_ts
JOIN events AS funnel_entry_row ON funnel_entry_row.id = (SELECT min(funnel_entry.id) AS min_3
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_first_ts.person AND funnel_entry.ts = funnel_first_ts.t0 AND funnel_entry.event = ? AND json_extract(funnel_entry.properties, ?) = ?)), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, funnel_step0.g AS g, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = ? AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + ?) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.g AS g, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = ? AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + ?) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, CASE WHEN (funnel_step2.g = ?) THEN ? WHEN (funnel_step2.g IS NULL) THEN ? ELSE ? END AS grp, funnel_step2.g AS g, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, median(funnel_diffs.d1) FILTER (WHERE funnel_diffs.d1 IS NOT NULL) AS median_d1, median(funnel_diffs.d2) FILTER (WHERE funnel_diffs.d2 IS NOT NULL) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people
UNION ALL SELECT ? AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
