WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_12)s::INTEGER AS m0
FROM events
WHERE events.event = %(param_13)s::VARCHAR AND events.ts < %(param_14)s::BIGINT AND jsonb_typeof(events.properties -> %(param_15)s::VARCHAR) = %(param_16)s::VARCHAR AND (events.properties ->> %(param_17)s::VARCHAR) = %(param_18)s::VARCHAR AND events.ts >= %(param_19)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_20)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_step1 AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (funnel_step0.t0 IS NOT NULL) THEN (SELECT min(funnel_e1.ts) AS min_2
FROM events AS funnel_e1
WHERE funnel_e1.event = %(param_10)s::VARCHAR AND funnel_e1.person = funnel_step0.person AND funnel_e1.ts > funnel_step0.t0 AND funnel_e1.ts <= funnel_step0.t0 + %(param_11)s::BIGINT) END AS t1
FROM funnel_step0), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT min(funnel_e2.ts) AS min_1
FROM events AS funnel_e2
WHERE funnel_e2.event = %(param_8)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_9)s::BIGINT) END AS t2
FROM funnel_step1), funnel_people AS (SELECT funnel_step2.person AS person, %(param_7)s::INTEGER AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2) SELECT ((funnel_people.t0 + CASE WHEN (funnel_people.t0 < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT + %(param_5)s::BIGINT) / %(param_6)s::BIGINT AS b, count(*) AS entered, count(funnel_people.t2) AS converted
FROM funnel_people
GROUP BY ((funnel_people.t0 + CASE WHEN (funnel_people.t0 < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT + %(param_5)s::BIGINT) / %(param_6)s::BIGINT;
