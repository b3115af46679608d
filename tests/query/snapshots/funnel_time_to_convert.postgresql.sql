WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_6)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_7)s::VARCHAR AND events.ts < %(param_8)s::BIGINT AND jsonb_typeof(events.properties -> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR AND (events.properties ->> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR AND events.ts >= %(param_13)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_14)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = %(param_4)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_5)s::BIGINT) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = %(param_2)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_3)s::BIGINT) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, %(param_1)s::INTEGER AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT funnel_converted.grp, count(funnel_converted.d) AS n, sum(funnel_converted.d) AS total, min(funnel_converted.d) AS lo, max(funnel_converted.d) AS hi, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_converted.d ASC) AS median_d
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY funnel_converted.grp;

WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_9)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_10)s::VARCHAR AND events.ts < %(param_11)s::BIGINT AND jsonb_typeof(events.properties -> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR AND (events.properties ->> %(param_14)s::VARCHAR) = %(param_15)s::VARCHAR AND events.ts >= %(param_16)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_17)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = %(param_7)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_8)s::BIGINT) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = %(param_5)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_6)s::BIGINT) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, %(param_4)s::INTEGER AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT ((funnel_converted.d - %(param_1)s::BIGINT) * %(param_2)s::BIGINT) / %(param_3)s::BIGINT AS bin, count(*) AS n
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY ((funnel_converted.d - %(param_1)s::BIGINT) * %(param_2)s::BIGINT) / %(param_3)s::BIGINT;
