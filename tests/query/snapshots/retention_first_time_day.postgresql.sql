WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS cohort, %(param_6)s::INTEGER AS grp
FROM (SELECT retention_start.person AS person, min(retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_7)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR) THEN CAST(users.traits ->> %(param_10)s::VARCHAR AS DOUBLE PRECISION) END > %(param_11)s::INTEGER AND (events.properties ->> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR) AS retention_start
GROUP BY retention_start.person) AS retention_first_births
WHERE retention_first_births.birth >= %(param_14)s::BIGINT AND retention_first_births.birth < %(param_15)s::BIGINT) SELECT retention_sizes.cohort, retention_sizes.grp, retention_sizes.size, coalesce(retention_hits.c0, %(param_1)s::INTEGER) AS c0, coalesce(retention_hits.c1, %(param_1)s::INTEGER) AS c1, coalesce(retention_hits.c2, %(param_1)s::INTEGER) AS c2
FROM (SELECT retention_births.cohort AS cohort, retention_births.grp AS grp, count(*) AS size
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp) AS retention_sizes
LEFT OUTER JOIN (SELECT retention_periods.cohort AS cohort, retention_periods.grp AS grp, sum(CASE WHEN (retention_periods.n = %(param_16)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c0, sum(CASE WHEN (retention_periods.n = %(param_18)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c1, sum(CASE WHEN (retention_periods.n = %(param_19)s::BIGINT) THEN %(param_17)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c2
FROM (SELECT DISTINCT retention_births.person AS person, retention_births.birth AS birth, retention_births.cohort AS cohort, retention_births.grp AS grp, (retention_ret.ts - retention_births.birth) / %(param_20)s::BIGINT AS n
FROM retention_births
JOIN events AS retention_ret ON retention_ret.event IS NOT NULL AND retention_ret.person = retention_births.person AND retention_ret.ts > retention_births.birth AND retention_ret.ts < retention_births.birth + %(param_21)s::BIGINT
LEFT OUTER JOIN users AS retention_ret_u ON retention_ret_u.id = retention_ret.person
WHERE CASE WHEN (jsonb_typeof(retention_ret_u.traits -> %(param_22)s::VARCHAR) = %(param_23)s::VARCHAR) THEN CAST(retention_ret_u.traits ->> %(param_24)s::VARCHAR AS DOUBLE PRECISION) END > %(param_25)s::INTEGER) AS retention_periods
GROUP BY retention_periods.cohort, retention_periods.grp) AS retention_hits ON retention_hits.cohort = retention_sizes.cohort AND retention_hits.grp = retention_sizes.grp;
