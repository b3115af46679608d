WITH funnel_step0 AS (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0, events.id AS id, events.browser AS h
FROM events
WHERE events.event = %(param_3)s::VARCHAR AND events.ts < %(param_4)s::BIGINT AND (events.properties ->> %(param_5)s::VARCHAR) = %(param_6)s::VARCHAR AND events.ts >= %(param_7)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_8)s::INTEGER
GROUP BY funnel_entry_events.person), funnel_held AS MATERIALIZED (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, (SELECT funnel_entry.browser
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_step0.person AND funnel_entry.ts = funnel_step0.t0 AND funnel_entry.event = %(param_9)s::VARCHAR AND (funnel_entry.properties ->> %(param_10)s::VARCHAR) = %(param_11)s::VARCHAR
ORDER BY funnel_entry.id
LIMIT %(param_12)s::INTEGER) AS h
FROM funnel_step0
WHERE EXISTS (SELECT %(param_13)s::INTEGER AS anon_1
FROM events AS funnel_c1
WHERE funnel_c1.event = %(param_14)s::VARCHAR AND funnel_c1.person = funnel_step0.person AND funnel_c1.ts > funnel_step0.t0 AND funnel_c1.ts <= funnel_step0.t0 + %(param_15)s::BIGINT)), funnel_step1 AS (SELECT funnel_held.person AS person, funnel_held.t0 AS t0, funnel_held.h AS h, min(funnel_e1.ts) AS t1
FROM funnel_held
JOIN events AS funnel_e1 ON funnel_e1.event = %(param_16)s::VARCHAR AND funnel_e1.person = funnel_held.person AND funnel_e1.ts > funnel_held.t0 AND funnel_e1.ts <= funnel_held.t0 + %(param_17)s::BIGINT AND funnel_e1.browser = funnel_held.h
GROUP BY funnel_held.person, funnel_held.t0, funnel_held.h), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, funnel_step1.h AS h, min(funnel_e2.ts) AS t2
FROM funnel_step1
JOIN events AS funnel_e2 ON funnel_e2.event = %(param_18)s::VARCHAR AND funnel_e2.person = funnel_step1.person AND funnel_e2.ts > funnel_step1.t1 AND funnel_e2.ts <= funnel_step1.t0 + %(param_19)s::BIGINT AND funnel_e2.browser = funnel_step1.h
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1, funnel_step1.h), funnel_entered AS (SELECT funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person), funnel_people AS (SELECT funnel_entered.person AS person, funnel_entered.grp AS grp, funnel_entered.t0 AS t0, funnel_entered.t1 AS t1, funnel_entered.t2 AS t2
FROM funnel_entered
WHERE (funnel_entered.person NOT IN (SELECT DISTINCT funnel_entered.person
FROM funnel_entered
JOIN events AS funnel_x0 ON funnel_x0.person = funnel_entered.person
WHERE funnel_x0.event = %(param_20)s::VARCHAR AND funnel_x0.person = funnel_entered.person AND funnel_x0.ts > funnel_entered.t1 AND (funnel_entered.t2 IS NOT NULL AND funnel_x0.ts < funnel_entered.t2 OR funnel_entered.t2 IS NULL AND funnel_x0.ts <= funnel_entered.t0 + %(param_21)s::BIGINT)))) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
