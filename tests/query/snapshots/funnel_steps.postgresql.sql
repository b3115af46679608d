WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_10)s::VARCHAR) THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_13)s::VARCHAR) THEN %(param_14)s::INTEGER ELSE %(param_15)s::INTEGER END AS m2
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_16)s::BIGINT AND events.ts < %(param_17)s::BIGINT AND CASE WHEN (jsonb_typeof(users.traits -> %(param_18)s::VARCHAR) = %(param_19)s::VARCHAR) THEN CAST(users.traits ->> %(param_20)s::VARCHAR AS DOUBLE PRECISION) END > %(param_21)s::INTEGER AND events.person IN (SELECT cohort_members.person
FROM cohort_members
WHERE cohort_members.cohort_id = %(param_22)s::BIGINT) AND (events.event = %(param_2)s::VARCHAR AND events.ts < %(param_3)s::BIGINT AND jsonb_typeof(events.properties -> %(param_4)s::VARCHAR) = %(param_5)s::VARCHAR AND (events.properties ->> %(param_6)s::VARCHAR) = %(param_7)s::VARCHAR OR events.event = %(param_10)s::VARCHAR OR events.event = %(param_13)s::VARCHAR)), funnel_step0 AS (SELECT funnel_events.person AS person, min(funnel_events.ts) AS t0
FROM funnel_events
WHERE funnel_events.m0 = %(param_23)s::INTEGER
GROUP BY funnel_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.m1 = %(param_24)s::INTEGER AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + %(param_25)s::BIGINT
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.m2 = %(param_26)s::INTEGER AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + %(param_27)s::BIGINT
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
