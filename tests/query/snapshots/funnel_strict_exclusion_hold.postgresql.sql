WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_29)s::INTEGER AS m0, events.id AS id, CASE WHEN (jsonb_typeof(events.properties -> %(param_30)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_4])) THEN events.properties ->> %(param_31)s::VARCHAR END AS h
FROM events
WHERE events.event = %(param_32)s::VARCHAR AND events.ts < %(param_33)s::BIGINT AND (events.properties ->> %(param_34)s::VARCHAR) = %(param_35)s::VARCHAR AND events.ts >= %(param_36)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_37)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_held AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, CASE WHEN (EXISTS (SELECT %(param_20)s::INTEGER AS anon_3
FROM events AS funnel_c1
WHERE funnel_c1.event = %(param_21)s::VARCHAR AND funnel_c1.person = funnel_step0.person AND funnel_c1.ts > funnel_step0.t0 AND funnel_c1.ts <= funnel_step0.t0 + %(param_22)s::BIGINT)) THEN (SELECT CASE WHEN (jsonb_typeof(funnel_entry.properties -> %(param_23)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_3])) THEN funnel_entry.properties ->> %(param_24)s::VARCHAR END AS anon_4
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_step0.person AND funnel_entry.ts = funnel_step0.t0 AND funnel_entry.event = %(param_25)s::VARCHAR AND (funnel_entry.properties ->> %(param_26)s::VARCHAR) = %(param_27)s::VARCHAR
ORDER BY funnel_entry.id
LIMIT %(param_28)s::INTEGER) END AS h
FROM funnel_step0), funnel_step1 AS MATERIALIZED (SELECT funnel_held.person AS person, funnel_held.t0 AS t0, funnel_held.h AS h, CASE WHEN (funnel_held.t0 IS NOT NULL) THEN (SELECT CASE WHEN (funnel_s1.event = %(param_11)s::VARCHAR AND funnel_s1.ts <= funnel_held.t0 + %(param_12)s::BIGINT AND CASE WHEN (jsonb_typeof(funnel_s1.properties -> %(param_13)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_2])) THEN funnel_s1.properties ->> %(param_14)s::VARCHAR END = funnel_held.h) THEN funnel_s1.ts END AS anon_2
FROM events AS funnel_s1
WHERE funnel_s1.person = funnel_held.person AND funnel_s1.ts > funnel_held.t0 AND (funnel_s1.event = %(param_15)s::VARCHAR AND (funnel_s1.properties ->> %(param_16)s::VARCHAR) = %(param_17)s::VARCHAR OR funnel_s1.event = %(param_11)s::VARCHAR OR funnel_s1.event = %(param_18)s::VARCHAR)
ORDER BY funnel_s1.ts, funnel_s1.id
LIMIT %(param_19)s::INTEGER) END AS t1
FROM funnel_held), funnel_step2 AS MATERIALIZED (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.h AS h, funnel_step1.t1 AS t1, CASE WHEN (funnel_step1.t1 IS NOT NULL) THEN (SELECT CASE WHEN (funnel_s2.event = %(param_2)s::VARCHAR AND funnel_s2.ts <= funnel_step1.t0 + %(param_3)s::BIGINT AND CASE WHEN (jsonb_typeof(funnel_s2.properties -> %(param_4)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN funnel_s2.properties ->> %(param_5)s::VARCHAR END = funnel_step1.h) THEN funnel_s2.ts END AS anon_1
FROM events AS funnel_s2
WHERE funnel_s2.person = funnel_step1.person AND funnel_s2.ts > funnel_step1.t1 AND (funnel_s2.event = %(param_6)s::VARCHAR AND (funnel_s2.properties ->> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR OR funnel_s2.event = %(param_9)s::VARCHAR OR funnel_s2.event = %(param_2)s::VARCHAR)
ORDER BY funnel_s2.ts, funnel_s2.id
LIMIT %(param_10)s::INTEGER) END AS t2
FROM funnel_step1), funnel_entered AS (SELECT funnel_step2.person AS person, %(param_1)s::INTEGER AS grp, funnel_step2.t0 AS t0, funnel_step2.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step2), funnel_people AS (SELECT funnel_entered.person AS person, funnel_entered.grp AS grp, funnel_entered.t0 AS t0, funnel_entered.t1 AS t1, funnel_entered.t2 AS t2
FROM funnel_entered
WHERE (funnel_entered.person NOT IN (SELECT DISTINCT funnel_entered.person
FROM funnel_entered
JOIN events AS funnel_x0 ON funnel_x0.person = funnel_entered.person
WHERE funnel_x0.event = %(param_38)s::VARCHAR AND funnel_x0.person = funnel_entered.person AND funnel_x0.ts > funnel_entered.t0 AND (funnel_entered.t2 IS NOT NULL AND funnel_x0.ts < funnel_entered.t2 OR funnel_entered.t2 IS NULL AND funnel_x0.ts <= funnel_entered.t0 + %(param_39)s::BIGINT) AND CASE WHEN (jsonb_typeof(funnel_x0.properties -> %(param_40)s::VARCHAR) = %(param_41)s::VARCHAR) THEN CAST(funnel_x0.properties ->> %(param_42)s::VARCHAR AS DOUBLE PRECISION) END > %(param_43)s::INTEGER))) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
