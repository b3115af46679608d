WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < ?) THEN ? ELSE ? END) / ? AS cohort, ? AS grp
FROM (SELECT retention_start.person AS person, min(retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = ? AND CASE WHEN (json_type(users.traits, ?) IN (__[POSTCOMPILE_json_type_4])) THEN json_extract(users.traits, ?) END > ? AND json_extract(events.properties, ?) = ?) AS retention_start
GROUP BY retention_start.person) AS retention_first_births
WHERE retention_first_births.birth >= ? AND retention_first_births.birth < ?) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT ? AS anon_1
FROM events AS retention_e0
LEFT OUTER JOIN users AS retention_u0 ON retention_u0.id = retention_e0.person
WHERE retention_e0.event IS NOT NULL AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth AND retention_e0.ts < retention_births.birth + ? AND CASE WHEN (json_type(retention_u0.traits, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(retention_u0.traits, ?) END > ?)) THEN ? ELSE ? END) AS c0, sum(CASE WHEN (EXISTS (SELECT ? AS anon_2
FROM events AS retention_e1
LEFT OUTER JOIN users AS retention_u1 ON retention_u1.id = retention_e1.person
WHERE retention_e1.event IS NOT NULL AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + ? AND retention_e1.ts < retention_births.birth + ? AND CASE WHEN (json_type(retention_u1.traits, ?) IN (__[POSTCOMPILE_json_type_2])) THEN json_extract(retention_u1.traits, ?) END > ?)) THEN ? ELSE ? END) AS c1, sum(CASE WHEN (EXISTS (SELECT ? AS anon_3
FROM events AS retention_e2
LEFT OUTER JOIN users AS retention_u2 ON retention_u2.id = retention_e2.person
WHERE retention_e2.event IS NOT NULL AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + ? AND retention_e2.ts < retention_births.birth + ? AND CASE WHEN (json_type(retention_u2.traits, ?) IN (__[POSTCOMPILE_json_type_3])) THEN json_extract(retention_u2.traits, ?) END > ?)) THEN ? ELSE ? END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
