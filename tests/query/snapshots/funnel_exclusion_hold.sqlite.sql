WITH funnel_step0 AS MATERIALIZED (SELECT funnel_first_ts.person AS person, funnel_first_ts.t0 AS t0, CASE WHEN (EXISTS (SELECT ? AS anon_1
FROM events AS funnel_c1
WHERE funnel_c1.event = ? AND funnel_c1.person = funnel_first_ts.person AND funnel_c1.ts > funnel_first_ts.t0 AND funnel_c1.ts <= funnel_first_ts.t0 + ?)) THEN (SELECT funnel_entry.browser
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_first_ts.person AND funnel_entry.ts = funnel_first_ts.t0 AND funnel_entry.event = ? AND json_extract(funnel_entry.properties, ?) = ?
ORDER BY funnel_entry.id
LIMIT ? OFFSET ?) END AS h
FROM (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, events.browser AS h
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person) AS funnel_first_ts), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, funnel_step0.h AS h, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = ? AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + ? AND funnel_e1.browser = funnel_step0.h) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.h AS h, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = ? AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + ? AND funnel_e2.browser = funnel_step1.h) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, ? AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2
WHERE funnel_step2.t1 IS NULL OR NOT (EXISTS (SELECT ? AS anon_2
FROM events AS funnel_x0
WHERE funnel_x0.event = ? AND funnel_x0.person = funnel_step2.person AND funnel_x0.ts > funnel_step2.t1 AND (funnel_step2.t2 IS NOT NULL AND funnel_x0.ts < funnel_step2.t2 OR funnel_step2.t2 IS NULL AND funnel_x0.ts <= funnel_step2.t0 + ?)))) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, median(funnel_diffs.d1) FILTER (WHERE funnel_diffs.d1 IS NOT NULL) AS median_d1, median(funnel_diffs.d2) FILTER (WHERE funnel_diffs.d2 IS NOT NULL) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
