SELECT retention_first_births.g AS g, count(*) AS n
FROM (SELECT retention_first.person AS person, retention_first.ts AS birth, retention_first.g AS g
FROM (SELECT retention_start.person AS person, retention_start.ts AS ts, retention_start.g AS g, row_number() OVER (PARTITION BY retention_start.person
ORDER BY retention_start.ts, retention_start.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, events.id AS id, events.city AS g
FROM events
WHERE events.event = %(param_1)s::VARCHAR AND (events.properties ->> %(param_2)s::VARCHAR) = %(param_3)s::VARCHAR) AS retention_start) AS retention_first
WHERE retention_first.rn = %(param_4)s::INTEGER) AS retention_first_births
WHERE retention_first_births.birth >= %(param_5)s::BIGINT AND retention_first_births.birth < %(param_6)s::BIGINT
GROUP BY retention_first_births.g
ORDER BY n DESC, retention_first_births.g COLLATE "C" ASC NULLS LAST
LIMIT %(param_7)s::INTEGER;

WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_11)s::BIGINT) THEN %(param_12)s::BIGINT ELSE %(param_13)s::BIGINT END) / %(param_14)s::BIGINT AS cohort, CASE WHEN (retention_first_births.g = %(param_15)s::VARCHAR) THEN %(param_16)s::INTEGER WHEN (retention_first_births.g IS NULL) THEN %(param_17)s::INTEGER ELSE %(param_18)s::INTEGER END AS grp
FROM (SELECT retention_first.person AS person, retention_first.ts AS birth, retention_first.g AS g
FROM (SELECT retention_start.person AS person, retention_start.ts AS ts, retention_start.g AS g, row_number() OVER (PARTITION BY retention_start.person
ORDER BY retention_start.ts, retention_start.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, events.id AS id, events.city AS g
FROM events
WHERE events.event = %(param_19)s::VARCHAR AND (events.properties ->> %(param_20)s::VARCHAR) = %(param_21)s::VARCHAR) AS retention_start) AS retention_first
WHERE retention_first.rn = %(param_22)s::INTEGER) AS retention_first_births
WHERE retention_first_births.birth >= %(param_23)s::BIGINT AND retention_first_births.birth < %(param_24)s::BIGINT) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT %(param_1)s::INTEGER AS anon_1
FROM events AS retention_e0
WHERE retention_e0.event IS NOT NULL AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth AND retention_e0.ts < retention_births.birth + %(param_2)s::BIGINT)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c0, sum(CASE WHEN (EXISTS (SELECT %(param_5)s::INTEGER AS anon_2
FROM events AS retention_e1
WHERE retention_e1.event IS NOT NULL AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + %(param_6)s::BIGINT AND retention_e1.ts < retention_births.birth + %(param_7)s::BIGINT)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c1, sum(CASE WHEN (EXISTS (SELECT %(param_8)s::INTEGER AS anon_3
FROM events AS retention_e2
WHERE retention_e2.event IS NOT NULL AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + %(param_9)s::BIGINT AND retention_e2.ts < retention_births.birth + %(param_10)s::BIGINT)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
