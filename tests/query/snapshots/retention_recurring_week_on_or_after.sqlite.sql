WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, ((retention_first_births.birth + CASE WHEN (retention_first_births.birth < ?) THEN ? ELSE ? END) / ? + ?) / ? AS cohort, ? AS grp
FROM (SELECT retention_keyed.person AS person, min(retention_keyed.ts) AS birth
FROM (SELECT retention_start.person AS person, ((retention_start.ts + CASE WHEN (retention_start.ts < ?) THEN ? ELSE ? END) / ? + ?) / ? AS cohort, retention_start.ts AS ts
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = ? AND json_extract(events.properties, ?) = ? AND events.ts >= ? AND events.ts < ?) AS retention_start) AS retention_keyed
GROUP BY retention_keyed.person, retention_keyed.cohort) AS retention_first_births
WHERE retention_first_births.birth >= ? AND retention_first_births.birth < ?) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT ? AS anon_1
FROM events AS retention_e0
WHERE retention_e0.event = ? AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth)) THEN ? ELSE ? END) AS c0, sum(CASE WHEN (EXISTS (SELECT ? AS anon_2
FROM events AS retention_e1
WHERE retention_e1.event = ? AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + ?)) THEN ? ELSE ? END) AS c1, sum(CASE WHEN (EXISTS (SELECT ? AS anon_3
FROM events AS retention_e2
WHERE retention_e2.event = ? AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + ?)) THEN ? ELSE ? END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
