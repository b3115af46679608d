WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < ?) THEN ? ELSE ? END) / ? AS cohort, ? AS grp
FROM (SELECT retention_candidates.person AS person, (SELECT min(retention_first.ts) AS min_1
FROM events AS retention_first
WHERE retention_first.event = ? AND retention_first.person = retention_candidates.person) AS birth
FROM (SELECT event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event = ?
GROUP BY event_person_hours.person HAVING min(event_person_hours.hour) > ? AND min(event_person_hours.hour) < ? UNION SELECT retention_uncounted.person AS person
FROM (SELECT events.person AS person, events.event AS event
FROM events
WHERE events.id > coalesce((SELECT CAST(tracklens_meta.value AS BIGINT) AS value
FROM tracklens_meta
WHERE tracklens_meta."key" = ?), ?)
LIMIT -1 OFFSET ?) AS retention_uncounted
WHERE retention_uncounted.event = ?) AS retention_candidates
LIMIT -1 OFFSET ?) AS retention_first_births
WHERE retention_first_births.birth >= ? AND retention_first_births.birth < ?) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT ? AS anon_1
FROM events AS retention_e0
WHERE retention_e0.event IS NOT NULL AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth AND retention_e0.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c0, sum(CASE WHEN (EXISTS (SELECT ? AS anon_2
FROM events AS retention_e1
WHERE retention_e1.event IS NOT NULL AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + ? AND retention_e1.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c1, sum(CASE WHEN (EXISTS (SELECT ? AS anon_3
FROM events AS retention_e2
WHERE retention_e2.event IS NOT NULL AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + ? AND retention_e2.ts < retention_births.birth + ?)) THEN ? ELSE ? END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
