WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_1)s::VARCHAR AND events.ts < %(param_2)s::BIGINT AND jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_9)s::VARCHAR) THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_12)s::VARCHAR) THEN %(param_13)s::INTEGER ELSE %(param_14)s::INTEGER END AS m2, events.id AS id, CASE WHEN (events.event = %(param_1)s::VARCHAR AND events.ts < %(param_2)s::BIGINT AND jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR) THEN events.city END AS g
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_15)s::BIGINT AND events.ts < %(param_16)s::BIGINT AND (events.event = %(param_1)s::VARCHAR AND events.ts < %(param_2)s::BIGINT AND jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR OR events.event = %(param_9)s::VARCHAR OR events.event = %(param_12)s::VARCHAR)) SELECT funnel_step0.g AS g, count(*) AS n
FROM (SELECT first_entry.person AS person, first_entry.ts AS t0, first_entry.g AS g
FROM (SELECT funnel_events.person AS person, funnel_events.ts AS ts, funnel_events.g AS g, row_number() OVER (PARTITION BY funnel_events.person
ORDER BY funnel_events.ts, funnel_events.id) AS rn
FROM funnel_events
WHERE funnel_events.m0 = %(param_17)s::INTEGER) AS first_entry
WHERE first_entry.rn = %(param_18)s::INTEGER) AS funnel_step0
GROUP BY funnel_step0.g
ORDER BY n DESC, funnel_step0.g COLLATE "C" ASC NULLS LAST
LIMIT %(param_19)s::INTEGER;

WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, CASE WHEN (events.event = %(param_5)s::VARCHAR AND events.ts < %(param_6)s::BIGINT AND jsonb_typeof(events.properties -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR AND (events.properties ->> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR) THEN %(param_11)s::INTEGER ELSE %(param_12)s::INTEGER END AS m0, CASE WHEN (events.event = %(param_13)s::VARCHAR) THEN %(param_14)s::INTEGER ELSE %(param_15)s::INTEGER END AS m1, CASE WHEN (events.event = %(param_16)s::VARCHAR) THEN %(param_17)s::INTEGER ELSE %(param_18)s::INTEGER END AS m2, events.id AS id, CASE WHEN (events.event = %(param_5)s::VARCHAR AND events.ts < %(param_6)s::BIGINT AND jsonb_typeof(events.properties -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR AND (events.properties ->> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR) THEN events.city END AS g
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= %(param_19)s::BIGINT AND events.ts < %(param_20)s::BIGINT AND (events.event = %(param_5)s::VARCHAR AND events.ts < %(param_6)s::BIGINT AND jsonb_typeof(events.properties -> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR AND (events.properties ->> %(param_9)s::VARCHAR) = %(param_10)s::VARCHAR OR events.event = %(param_13)s::VARCHAR OR events.event = %(param_16)s::VARCHAR)), funnel_step0 AS (SELECT first_entry.person AS person, first_entry.ts AS t0, first_entry.g AS g
FROM (SELECT funnel_events.person AS person, funnel_events.ts AS ts, funnel_events.g AS g, row_number() OVER (PARTITION BY funnel_events.person
ORDER BY funnel_events.ts, funnel_events.id) AS rn
FROM funnel_events
WHERE funnel_events.m0 = %(param_21)s::INTEGER) AS first_entry
WHERE first_entry.rn = %(param_22)s::INTEGER), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.m1 = %(param_23)s::INTEGER AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + %(param_24)s::BIGINT
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.m2 = %(param_25)s::INTEGER AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + %(param_26)s::BIGINT
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, CASE WHEN (funnel_step0.g = %(param_1)s::VARCHAR) THEN %(param_2)s::INTEGER WHEN (funnel_step0.g IS NULL) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people
UNION ALL SELECT %(param_27)s::INTEGER AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
