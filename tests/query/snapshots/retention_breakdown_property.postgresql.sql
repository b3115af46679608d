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

WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS cohort, CASE WHEN (retention_first_births.g = %(param_6)s::VARCHAR) THEN %(param_7)s::INTEGER WHEN (retention_first_births.g IS NULL) THEN %(param_8)s::INTEGER ELSE %(param_9)s::INTEGER END AS grp
FROM (SELECT retention_first.person AS person, retention_first.ts AS birth, retention_first.g AS g
FROM (SELECT retention_start.person AS person, retention_start.ts AS ts, retention_start.g AS g, row_number() OVER (PARTITION BY retention_start.person
ORDER BY retention_start.ts, retention_start.id) AS rn
FROM (SELECT events.person AS person, events.ts AS ts, events.id AS id, events.city AS g
FROM events
WHERE events.event = %(param_10)s::VARCHAR AND (events.properties ->> %(param_11)s::VARCHAR) = %(param_12)s::VARCHAR) AS retention_start) AS retention_first
WHERE retention_first.rn = %(param_13)s::INTEGER) AS retention_first_births
WHERE retention_first_births.birth >= %(param_14)s::BIGINT AND retention_first_births.birth < %(param_15)s::BIGINT) SELECT retention_sizes.cohort, retention_sizes.grp, retention_sizes.size, coalesce(retention_hits.c0, %(param_1)s::INTEGER) AS c0, coalesce(retention_hits.c1, %(param_1)s::INTEGER) AS c1, coalesce(retention_hits.c2, %(param_1)s::INTEGER) AS c2
FROM (SELECT retention_births.cohort AS cohort, retention_births.grp AS grp, count(*) AS size
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp) AS retention_sizes
LEFT OUTER JOIN (SELECT retention_periods.cohort AS cohort, retention_periods.grp AS grp, sum(CASE WHEN (retention_periods.n = %(param_16)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c0, sum(CASE WHEN (retention_periods.n = %(param_18)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c1, sum(CASE WHEN (retention_periods.n = %(param_19)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c2
FROM (SELECT DISTINCT retention_births.person AS person, retention_births.birth AS birth, retention_births.cohort AS cohort, retention_births.grp AS grp, (retention_ret.ts - retention_births.birth) / %(param_20)s::BIGINT AS n
FROM retention_births
JOIN events AS retention_ret ON retention_ret.event IS NOT NULL AND retention_ret.person = retention_births.person AND retention_ret.ts > retention_births.birth AND retention_ret.ts < retention_births.birth + %(param_21)s::BIGINT) AS retention_periods
GROUP BY retention_periods.cohort, retention_periods.grp) AS retention_hits ON retention_hits.cohort = retention_sizes.cohort AND retention_hits.grp = retention_sizes.grp;
