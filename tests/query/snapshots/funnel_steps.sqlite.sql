WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = ? AND events.ts + ? < ? AND json_extract(events.properties, ?) = ? AND events.ts + ? >= ? AND CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(users.traits, ?) END > ? AND events.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = ?)) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
LEFT OUTER JOIN users AS funnel_u1 ON funnel_u1.id = funnel_e1.person
WHERE funnel_e1.event = ? AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + ? AND CASE WHEN (json_type(funnel_u1.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(funnel_u1.traits, ?) END > ? AND funnel_e1.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = ?)) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
LEFT OUTER JOIN users AS funnel_u2 ON funnel_u2.id = funnel_e2.person
WHERE funnel_e2.event = ? AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + ? AND CASE WHEN (json_type(funnel_u2.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(funnel_u2.traits, ?) END > ? AND funnel_e2.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = ?)) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, ? AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, median(funnel_diffs.d1) FILTER (WHERE funnel_diffs.d1 IS NOT NULL) AS median_d1, median(funnel_diffs.d2) FILTER (WHERE funnel_diffs.d2 IS NOT NULL) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
