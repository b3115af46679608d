WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = ? AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + ?) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = ? AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + ?) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, ? AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT funnel_converted.grp, count(funnel_converted.d) AS n, sum(funnel_converted.d) AS total, min(funnel_converted.d) AS lo, max(funnel_converted.d) AS hi, median(funnel_converted.d) FILTER (WHERE funnel_converted.d IS NOT NULL) AS median_d
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY funnel_converted.grp;

WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = ? AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + ?) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = ? AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + ?) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, ? AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT funnel_converted.grp, ((funnel_converted.d - ?) * ?) / ? AS bin, count(*) AS n
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY funnel_converted.grp, ((funnel_converted.d - ?) * ?) / ?;
