WITH funnel_step0 AS (SELECT first_entry.person AS person, first_entry.ts AS t0, first_entry.h AS h
FROM (SELECT funnel_entry_events.person AS person, funnel_entry_events.ts AS ts, funnel_entry_events.h AS h, row_number() OVER (PARTITION BY funnel_entry_events.person
ORDER BY funnel_entry_events.ts, funnel_entry_events.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0, events.id AS id, CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END AS h
FROM events
WHERE events.event = %(param_5)s::VARCHAR AND events.ts < %(param_6)s::BIGINT AND events.ts >= %(param_7)s::BIGINT AND (events.properties ->> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR
UNION ALL SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0, events.id AS id, CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END AS h
FROM events
WHERE events.event = %(param_10)s::VARCHAR AND events.ts < %(param_11)s::BIGINT AND events.ts >= %(param_7)s::BIGINT
UNION ALL SELECT events.person AS person, events.ts AS ts, %(param_2)s::INTEGER AS m0, events.id AS id, CASE WHEN (jsonb_typeof(events.properties -> %(param_3)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN events.properties ->> %(param_4)s::VARCHAR END AS h
FROM events
WHERE events.event = %(param_12)s::VARCHAR AND events.ts < %(param_13)s::BIGINT AND events.ts >= %(param_7)s::BIGINT) AS funnel_entry_events
WHERE funnel_entry_events.m0 = %(param_14)s::INTEGER) AS first_entry
WHERE first_entry.rn = %(param_15)s::INTEGER), funnel_reached AS (SELECT funnel_ranked.person AS person, max(CASE WHEN (funnel_ranked.rn = %(param_16)s::INTEGER) THEN funnel_ranked.f END) AS t1, max(CASE WHEN (funnel_ranked.rn = %(param_17)s::INTEGER) THEN funnel_ranked.f END) AS t2
FROM (SELECT funnel_done.person AS person, funnel_done.f AS f, row_number() OVER (PARTITION BY funnel_done.person
ORDER BY funnel_done.f) AS rn
FROM (SELECT funnel_step0.person AS person, min(funnel_a0.ts) AS f
FROM funnel_step0
JOIN events AS funnel_a0 ON funnel_a0.person = funnel_step0.person
WHERE funnel_a0.event = %(param_18)s::VARCHAR AND funnel_a0.person = funnel_step0.person AND funnel_a0.ts >= funnel_step0.t0 AND funnel_a0.ts <= funnel_step0.t0 + %(param_19)s::BIGINT AND (funnel_a0.properties ->> %(param_20)s::VARCHAR) = %(param_21)s::VARCHAR AND CASE WHEN (jsonb_typeof(funnel_a0.properties -> %(param_22)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_2])) THEN funnel_a0.properties ->> %(param_23)s::VARCHAR END = funnel_step0.h
GROUP BY funnel_step0.person
UNION ALL SELECT funnel_step0.person AS person, min(funnel_a1.ts) AS f
FROM funnel_step0
JOIN events AS funnel_a1 ON funnel_a1.person = funnel_step0.person
WHERE funnel_a1.event = %(param_24)s::VARCHAR AND funnel_a1.person = funnel_step0.person AND funnel_a1.ts >= funnel_step0.t0 AND funnel_a1.ts <= funnel_step0.t0 + %(param_25)s::BIGINT AND CASE WHEN (jsonb_typeof(funnel_a1.properties -> %(param_26)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_3])) THEN funnel_a1.properties ->> %(param_27)s::VARCHAR END = funnel_step0.h
GROUP BY funnel_step0.person
UNION ALL SELECT funnel_step0.person AS person, min(funnel_a2.ts) AS f
FROM funnel_step0
JOIN events AS funnel_a2 ON funnel_a2.person = funnel_step0.person
WHERE funnel_a2.event = %(param_28)s::VARCHAR AND funnel_a2.person = funnel_step0.person AND funnel_a2.ts >= funnel_step0.t0 AND funnel_a2.ts <= funnel_step0.t0 + %(param_29)s::BIGINT AND CASE WHEN (jsonb_typeof(funnel_a2.properties -> %(param_30)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_4])) THEN funnel_a2.properties ->> %(param_31)s::VARCHAR END = funnel_step0.h
GROUP BY funnel_step0.person) AS funnel_done) AS funnel_ranked
GROUP BY funnel_ranked.person), funnel_people AS (SELECT funnel_step0.person AS person, %(param_1)s::INTEGER AS grp, funnel_step0.t0 AS t0, funnel_reached.t1 AS t1, funnel_reached.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_reached ON funnel_reached.person = funnel_step0.person) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, percentile_cont(%(percentile_cont_1)s) WITHIN GROUP (ORDER BY funnel_diffs.d1 ASC) AS median_d1, percentile_cont(%(percentile_cont_2)s) WITHIN GROUP (ORDER BY funnel_diffs.d2 ASC) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
