WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_8)s::VARCHAR AND events.ts < %(param_9)s::BIGINT AND jsonb_typeof(events.properties -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR AND (events.properties ->> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR) THEN %(param_14)s::INTEGER ELSE %(param_15)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_16)s::VARCHAR) THEN %(param_17)s::INTEGER ELSE %(param_18)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_19)s::VARCHAR) THEN %(param_20)s::INTEGER ELSE %(param_21)s::INTEGER END AS m2
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_22)s::BIGINT AND events.ts < %(param_23)s::BIGINT AND (events.event = %(param_8)s::VARCHAR AND events.ts < %(param_9)s::BIGINT AND jsonb_typeof(events.properties -> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR AND (events.properties ->> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR OR events.event = %(param_16)s::VARCHAR OR events.event = %(param_19)s::VARCHAR)), funnel_step0 AS (SELECT funnel_events.person AS person, min(funnel_events.ts) AS t0
FROM funnel_events
WHERE funnel_events.m0 = %(param_24)s::INTEGER
GROUP BY funnel_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.m1 = %(param_25)s::INTEGER AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + %(param_26)s::BIGINT
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.m2 = %(param_27)s::INTEGER AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + %(param_28)s::BIGINT
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, %(param_7)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT ((funnel_people.t0 + CASE WHEN (funnel_people.t0 < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT + %(param_5)s::BIGINT) / %(param_6)s::BIGINT AS b, count(*) AS entered, count(funnel_people.t2) AS converted
FROM funnel_people
GROUP BY ((funnel_people.t0 + CASE WHEN (funnel_people.t0 < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT + %(param_5)s::BIGINT) / %(param_6)s::BIGINT;
