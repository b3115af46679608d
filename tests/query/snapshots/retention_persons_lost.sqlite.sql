WITH rf1_retention_births AS MATERIALIZED (SELECT rf1_retention_first_births.person AS person, rf1_retention_first_births.birth AS birth, (rf1_retention_first_births.birth + CASE WHEN (rf1_retention_first_births.birth < ?) THEN ? ELSE ? END) / ? AS cohort, ? AS grp
FROM (SELECT rf1_retention_start.person AS person, min(rf1_retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = ? AND json_extract(events.properties, ?) = ?) AS rf1_retention_start
GROUP BY rf1_retention_start.person) AS rf1_retention_first_births
WHERE rf1_retention_first_births.birth >= ? AND rf1_retention_first_births.birth < ?) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT rf1_retention_births.person
FROM rf1_retention_births
WHERE NOT (EXISTS (SELECT ? AS anon_1
FROM events AS rf1_retention_e1
WHERE rf1_retention_e1.event IS NOT NULL AND rf1_retention_e1.person = rf1_retention_births.person AND rf1_retention_e1.ts >= rf1_retention_births.birth + ? AND rf1_retention_e1.ts < rf1_retention_births.birth + ?)) AND rf1_retention_births.cohort = ?)
ORDER BY users.last_seen DESC, users.id DESC
LIMIT ? OFFSET ?;

WITH rf1_retention_births AS MATERIALIZED (SELECT rf1_retention_first_births.person AS person, rf1_retention_first_births.birth AS birth, (rf1_retention_first_births.birth + CASE WHEN (rf1_retention_first_births.birth < ?) THEN ? ELSE ? END) / ? AS cohort, ? AS grp
FROM (SELECT rf1_retention_start.person AS person, min(rf1_retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = ? AND json_extract(events.properties, ?) = ?) AS rf1_retention_start
GROUP BY rf1_retention_start.person) AS rf1_retention_first_births
WHERE rf1_retention_first_births.birth >= ? AND rf1_retention_first_births.birth < ?) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT rf1_retention_births.person
FROM rf1_retention_births
WHERE NOT (EXISTS (SELECT ? AS anon_1
FROM events AS rf1_retention_e1
WHERE rf1_retention_e1.event IS NOT NULL AND rf1_retention_e1.person = rf1_retention_births.person AND rf1_retention_e1.ts >= rf1_retention_births.birth + ? AND rf1_retention_e1.ts < rf1_retention_births.birth + ?)) AND rf1_retention_births.cohort = ?);
