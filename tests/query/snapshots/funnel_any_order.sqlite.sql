WITH funnel_step0 AS (SELECT funnel_first_ts.person AS person, funnel_first_ts.t0 AS t0, CASE json_type(funnel_entry_row.properties, ?) WHEN ? THEN json_extract(funnel_entry_row.properties, ?) WHEN ? THEN funnel_entry_row.properties -> ? WHEN ? THEN funnel_entry_row.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS h
FROM (SELECT funnel_entry_events.person AS person, min(funnel_entry_events.ts) AS t0
FROM (SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS h
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND events.ts + ? >= ? AND json_extract(events.properties, ?) = ?
UNION ALL SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS h
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND events.ts + ? >= ?
UNION ALL SELECT events.person AS person, events.ts AS ts, ? AS m0, events.id AS id, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS h
FROM events
WHERE events.event = ? AND events.ts + ? < ? AND events.ts + ? >= ?) AS funnel_entry_events
WHERE funnel_entry_events.m0 = ?
GROUP BY funnel_entry_events.person) AS funnel_first_ts
JOIN events AS funnel_entry_row ON funnel_entry_row.id = (SELECT min(funnel_entry.id) AS min_1
FROM events AS funnel_entry
WHERE funnel_entry.person = funnel_first_ts.person AND funnel_entry.ts = funnel_first_ts.t0 AND (funnel_entry.event = ? AND json_extract(funnel_entry.properties, ?) = ? OR funnel_entry.event = ? OR funnel_entry.event = ?))), funnel_firsts AS MATERIALIZED (SELECT funnel_step0.person AS person, (SELECT min(funnel_a0.ts) AS min_2
FROM events AS funnel_a0
WHERE funnel_a0.event = ? AND funnel_a0.person = funnel_step0.person AND funnel_a0.ts >= funnel_step0.t0 AND funnel_a0.ts <= funnel_step0.t0 + ? AND json_extract(funnel_a0.properties, ?) = ? AND CASE json_type(funnel_a0.properties, ?) WHEN ? THEN json_extract(funnel_a0.properties, ?) WHEN ? THEN funnel_a0.properties -> ? WHEN ? THEN funnel_a0.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END = funnel_step0.h) AS f0, (SELECT min(funnel_a1.ts) AS min_3
FROM events AS funnel_a1
WHERE funnel_a1.event = ? AND funnel_a1.person = funnel_step0.person AND funnel_a1.ts >= funnel_step0.t0 AND funnel_a1.ts <= funnel_step0.t0 + ? AND CASE json_type(funnel_a1.properties, ?) WHEN ? THEN json_extract(funnel_a1.properties, ?) WHEN ? THEN funnel_a1.properties -> ? WHEN ? THEN funnel_a1.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END = funnel_step0.h) AS f1, (SELECT min(funnel_a2.ts) AS min_4
FROM events AS funnel_a2
WHERE funnel_a2.event = ? AND funnel_a2.person = funnel_step0.person AND funnel_a2.ts >= funnel_step0.t0 AND funnel_a2.ts <= funnel_step0.t0 + ? AND CASE json_type(funnel_a2.properties, ?) WHEN ? THEN json_extract(funnel_a2.properties, ?) WHEN ? THEN funnel_a2.properties -> ? WHEN ? THEN funnel_a2.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END = funnel_step0.h) AS f2
FROM funnel_step0), funnel_reached AS (SELECT funnel_ranked.person AS person, max(CASE WHEN (funnel_ranked.rn = ?) THEN funnel_ranked.f END) AS t1, max(CASE WHEN (funnel_ranked.rn = ?) THEN funnel_ranked.f END) AS t2
FROM (SELECT funnel_done.person AS person, funnel_done.f AS f, row_number() OVER (PARTITION BY funnel_done.person
ORDER BY funnel_done.f) AS rn
FROM (SELECT funnel_firsts.person AS person, funnel_firsts.f0 AS f
FROM funnel_firsts
WHERE funnel_firsts.f0 IS NOT NULL
UNION ALL SELECT funnel_firsts.person AS person, funnel_firsts.f1 AS f
FROM funnel_firsts
WHERE funnel_firsts.f1 IS NOT NULL
UNION ALL SELECT funnel_firsts.person AS person, funnel_firsts.f2 AS f
FROM funnel_firsts
WHERE funnel_firsts.f2 IS NOT NULL) AS funnel_done) AS funnel_ranked
GROUP BY funnel_ranked.person), funnel_people AS (SELECT funnel_step0.person AS person, ? AS grp, funnel_step0.t0 AS t0, funnel_reached.t1 AS t1, funnel_reached.t2 AS t2
FROM funnel_step0
LEFT OUTER JOIN funnel_reached ON funnel_reached.person = funnel_step0.person) SELECT funnel_diffs.grp, count(*) AS c0, count(funnel_diffs.d1) AS c1, sum(funnel_diffs.d1) AS s1, count(funnel_diffs.d2) AS c2, sum(funnel_diffs.d2) AS s2, median(funnel_diffs.d1) FILTER (WHERE funnel_diffs.d1 IS NOT NULL) AS median_d1, median(funnel_diffs.d2) FILTER (WHERE funnel_diffs.d2 IS NOT NULL) AS median_d2
FROM (SELECT funnel_people.grp AS grp, funnel_people.t0 AS t0, funnel_people.t1 - funnel_people.t0 AS d1, funnel_people.t2 - funnel_people.t1 AS d2
FROM funnel_people) AS funnel_diffs
GROUP BY funnel_diffs.grp;
