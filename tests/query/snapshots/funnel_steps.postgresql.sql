WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_3)s::VARCHAR AND events.ts < %(param_4)s::BIGINT AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR AND events.ts >= %(param_7)s::BIGINT AND CASE WHEN (jsonb_typeof(users.traits -> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR) THEN CAST(users.traits ->> %(param_10)s::VARCHAR AS DOUBLE PRECISION) END > %(param_11)s::INTEGER AND events.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = %(param_12)s::BIGINT)) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_13)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_e1.ts) AS t1
FROM funnel_step0
JOIN (events AS funnel_e1
LEFT OUTER JOIN users AS funnel_u1 ON funnel_u1.id = funnel_e1.person) ON funnel_e1.event = %(param_14)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_15)s::BIGINT
WHERE CASE WHEN (jsonb_typeof(funnel_u1.traits -> %(param_16)s::VARCHAR) = %(param_17)s::VARCHAR) THEN CAST(funnel_u1.traits ->> %(param_18)s::VARCHAR AS DOUBLE PRECISION) END > %(param_19)s::INTEGER AND funnel_e1.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = %(param_20)s::BIGINT)
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_e2.ts) AS t2
FROM funnel_step1
JOIN (events AS funnel_e2
LEFT OUTER JOIN users AS funnel_u2 ON funnel_u2.id = funnel_e2.person) ON funnel_e2.event = %(param_21)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_22)s::BIGINT
WHERE CASE WHEN (jsonb_typeof(funnel_u2.traits -> %(param_23)s::VARCHAR) = %(param_24)s::VARCHAR) THEN CAST(funnel_u2.traits ->> %(param_25)s::VARCHAR AS DOUBLE PRECISION) END > %(param_26)s::INTEGER AND funnel_e2.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = %(param_27)s::BIGINT)
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
