SELECT retention_first_births.g AS g, count(*) AS n
FROM (SELECT retention_first.person AS person, retention_first.ts AS birth, retention_first.g AS g
FROM (SELECT retention_start.person AS person, retention_start.ts AS ts, retention_start.g AS g, row_number() OVER (PARTITION BY retention_start.person
ORDER BY retention_start.ts, retention_start.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, events.id AS id, events.city AS g
FROM events
WHERE events.event = ? AND json_extract(events.properties, ?) = ?) AS retention_start) AS retention_first
WHERE retention_first.rn = ?) AS retention_first_births
WHERE retention_first_births.birth >= ? AND retention_first_births.birth < ?
GROUP BY retention_first_births.g
ORDER BY n DESC, retention_first_births.g ASC NULLS LAST
LIMIT ? OFFSET ?;

WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < ?) THEN ? ELSE ? END) / ? AS cohort, CASE WHEN (retention_first_births.g = ?) THEN ? WHEN (retention_first_births.g IS NULL) THEN ? ELSE ? END AS grp
FROM (SELECT retention_first.person AS person, retention_first.ts AS birth, retention_first.g AS g
FROM (SELECT retention_start.person AS person, retention_start.ts AS ts, retention_start.g AS g, row_number() OVER (PARTITION BY retention_start.person
ORDER BY retention_start.ts, retention_start.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, events.id AS id, events.city AS g
FROM events
WHERE events.event = ? AND json_extract(events.properties, ?) = ?) AS retention_start) AS retention_first
WHERE retention_first.rn = ?) AS retention_first_births
WHERE retention_first_births.birth >= ? AND retention_first_births.birth < ?) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT ? AS anon_1
FROM events AS retention_e0
WHERE retention_e0.event IS NOT NULL AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth AND retention_e0.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c0, sum(CASE WHEN (EXISTS (SELECT ? AS anon_2
FROM events AS retention_e1
WHERE retention_e1.event IS NOT NULL AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + ? AND retention_e1.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c1, sum(CASE WHEN (EXISTS (SELECT ? AS anon_3
FROM events AS retention_e2
WHERE retention_e2.event IS NOT NULL AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + ? AND retention_e2.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
