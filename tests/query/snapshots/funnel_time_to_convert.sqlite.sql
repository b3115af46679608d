WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)), funnel_step0 AS (SELECT funnel_events.person AS person, min(funnel_events.ts) AS t0
FROM funnel_events
WHERE funnel_events.event = ? AND funnel_events.ts < ? AND funnel_events.m0 = ?
GROUP BY funnel_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + ?
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + ?
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, ? AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT ranked.grp, count(ranked.d) AS n, sum(ranked.d) AS total, min(ranked.d) AS lo, max(ranked.d) AS hi, avg(CASE WHEN (ranked._rn0 IN ((ranked._cnt0 + ?) / ?, (ranked._cnt0 + ?) / ?)) THEN ranked.d END) AS median_d
FROM (SELECT funnel_converted.grp AS grp, funnel_converted.d AS d, row_number() OVER (PARTITION BY funnel_converted.grp
ORDER BY funnel_converted.d ASC NULLS LAST) AS _rn0, count(funnel_converted.d) OVER (PARTITION BY funnel_converted.grp) AS _cnt0
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted) AS ranked
GROUP BY ranked.grp;

WITH funnel_events AS (SELECT events.person AS person, events.ts AS ts, events.event AS event, CASE WHEN (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ?) THEN ? ELSE ? END AS m0
FROM events
WHERE events.event IN (__[POSTCOMPILE_event_1]) AND events.ts >= ? AND events.ts < ? AND (events.event = ? AND events.ts < ? AND json_type(events.properties, ?) = ? AND json_extract(events.properties, ?) = ? OR events.event = ? OR events.event = ?)), funnel_step0 AS (SELECT funnel_events.person AS person, min(funnel_events.ts) AS t0
FROM funnel_events
WHERE funnel_events.event = ? AND funnel_events.ts < ? AND funnel_events.m0 = ?
GROUP BY funnel_events.person), funnel_step1 AS (SELECT funnel_step0.person AS person, funnel_step0.t0 AS t0, min(funnel_events.ts) AS t1
FROM funnel_step0
JOIN funnel_events ON funnel_events.person = funnel_step0.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step0.t0 AND funnel_events.ts <= funnel_step0.t0 + ?
GROUP BY funnel_step0.person, funnel_step0.t0), funnel_step2 AS (SELECT funnel_step1.person AS person, funnel_step1.t0 AS t0, funnel_step1.t1 AS t1, min(funnel_events.ts) AS t2
FROM funnel_step1
JOIN funnel_events ON funnel_events.person = funnel_step1.person AND funnel_events.event = ? AND funnel_events.ts > funnel_step1.t1 AND funnel_events.ts <= funnel_step1.t0 + ?
GROUP BY funnel_step1.person, funnel_step1.t0, funnel_step1.t1), funnel_people AS (SELECT funnel_step0.person AS person, ? AS grp, funnel_step0.t0 AS t0, funnel_step1.t1 AS t1, funnel_step2.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_step1 ON funnel_step1.person = funnel_step0.person
LEFT OUTER JOIN funnel_step2 ON funnel_step2.person = funnel_step0.person) SELECT ((funnel_converted.d - ?) * ?) / ? AS bin, count(*) AS n
FROM (SELECT funnel_people.grp AS grp, funnel_people.t2 - funnel_people.t0 AS d
FROM funnel_people
WHERE funnel_people.t2 IS NOT NULL) AS funnel_converted
GROUP BY ((funnel_converted.d - ?) * ?) / ?;
