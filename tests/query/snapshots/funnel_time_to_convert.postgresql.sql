WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_3)s::VARCHAR AND events.ts < %(param_4)s::BIGINT AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR AND events.ts >= %(param_7)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_8)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_e1.ts) AS t1
FROM funnel_step0
JOIN events AS funnel_e1 ON funnel_e1.event = %(param_9)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_10)s::BIGINT
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_e2.ts) AS t2
FROM funnel_step1
JOIN events AS funnel_e2 ON funnel_e2.event = %(param_11)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_12)s::BIGINT
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT funnel_converted.grp, count(funnel_converted.d) AS n, sum(funnel_converted.d) AS total, min(funnel_converted.d) AS lo, max(funnel_converted.d) AS hi, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_converted.d ASC) AS median_d
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY funnel_converted.grp;

WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_5)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_6)s::VARCHAR AND events.ts < %(param_7)s::BIGINT AND (events.properties ->> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR AND events.ts >= %(param_10)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_11)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_e1.ts) AS t1
FROM funnel_step0
JOIN events AS funnel_e1 ON funnel_e1.event = %(param_12)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_13)s::BIGINT
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_e2.ts) AS t2
FROM funnel_step1
JOIN events AS funnel_e2 ON funnel_e2.event = %(param_14)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_15)s::BIGINT
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, %(param_4)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT funnel_converted.grp, ((funnel_converted.d - %(param_1)s::BIGINT) * %(param_2)s::BIGINT) / %(param_3)s::BIGINT AS bin, count(*) AS n
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY funnel_converted.grp, ((funnel_converted.d - %(param_1)s::BIGINT) * %(param_2)s::BIGINT) / %(param_3)s::BIGINT;
