WITH rf1_retention_births AS MATERIALIZED (SELECT rf1_retention_first_births.person AS person, rf1_retention_first_births.birth AS birth, (rf1_retention_first_births.birth + CASE WHEN (rf1_retention_first_births.birth < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT AS cohort, %(param_5)s::INTEGER AS grp
FROM (SELECT rf1_retention_start.person AS person, min(rf1_retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = %(param_6)s::VARCHAR AND (events.properties ->> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR) AS rf1_retention_start
GROUP BY rf1_retention_start.person) AS rf1_retention_first_births
WHERE rf1_retention_first_births.birth >= %(param_9)s::BIGINT AND rf1_retention_first_births.birth < %(param_10)s::BIGINT) SELECT users.id, users.traits, users.first_seen, users.last_seen, users.event_count, users.last_seen AS _key
FROM users
WHERE users.id IN (SELECT rf1_retention_births.person
FROM rf1_retention_births
WHERE NOT (EXISTS (SELECT %(param_11)s::INTEGER AS anon_1
FROM events AS rf1_retention_e1
WHERE rf1_retention_e1.event IS NOT NULL AND rf1_retention_e1.person = rf1_retention_births.person AND rf1_retention_e1.ts >= rf1_retention_births.birth + %(param_12)s::BIGINT AND rf1_retention_e1.ts < rf1_retention_births.birth + %(param_13)s::BIGINT)) AND rf1_retention_births.cohort = %(param_14)s::BIGINT)
ORDER BY users.last_seen DESC, users.id COLLATE "C" DESC
LIMIT %(param_15)s::INTEGER;

WITH rf1_retention_births AS MATERIALIZED (SELECT rf1_retention_first_births.person AS person, rf1_retention_first_births.birth AS birth, (rf1_retention_first_births.birth + CASE WHEN (rf1_retention_first_births.birth < %(param_1)s::BIGINT) THEN %(param_2)s::BIGINT ELSE %(param_3)s::BIGINT END) / %(param_4)s::BIGINT AS cohort, %(param_5)s::INTEGER AS grp
FROM (SELECT rf1_retention_start.person AS person, min(rf1_retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = %(param_6)s::VARCHAR AND (events.properties ->> %(param_7)s::VARCHAR) = %(param_8)s::VARCHAR) AS rf1_retention_start
GROUP BY rf1_retention_start.person) AS rf1_retention_first_births
WHERE rf1_retention_first_births.birth >= %(param_9)s::BIGINT AND rf1_retention_first_births.birth < %(param_10)s::BIGINT) SELECT count(*) AS n
FROM users
WHERE users.id IN (SELECT rf1_retention_births.person
FROM rf1_retention_births
WHERE NOT (EXISTS (SELECT %(param_11)s::INTEGER AS anon_1
FROM events AS rf1_retention_e1
WHERE rf1_retention_e1.event IS NOT NULL AND rf1_retention_e1.person = rf1_retention_births.person AND rf1_retention_e1.ts >= rf1_retention_births.birth + %(param_12)s::BIGINT AND rf1_retention_e1.ts < rf1_retention_births.birth + %(param_13)s::BIGINT)) AND rf1_retention_births.cohort = %(param_14)s::BIGINT);
