WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS cohort, %(param_6)s::INTEGER AS grp
FROM (SELECT retention_start.person AS person, min(retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_7)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_8)s::VARCHAR) = %(param_9)s::VARCHAR) THEN CAST(users.traits ->> %(param_10)s::VARCHAR AS DOUBLE PRECISION) END > %(param_11)s::INTEGER AND (events.properties ->> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR) AS retention_start
GROUP BY retention_start.person) AS retention_first_births
WHERE retention_first_births.birth >= %(param_14)s::BIGINT AND retention_first_births.birth < %(param_15)s::BIGINT) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(coalesce(retention_returns.r0, %(param_1)s::INTEGER)) AS c0, sum(coalesce(retention_returns.r1, %(param_1)s::INTEGER)) AS c1, sum(coalesce(retention_returns.r2, %(param_1)s::INTEGER)) AS c2
FROM retention_births
LEFT OUTER JOIN (SELECT retention_births.person AS person, retention_births.birth AS birth, max(CASE WHEN ((retention_ret.ts - retention_births.birth) / %(param_16)s::BIGINT = %(param_17)s::BIGINT) THEN %(param_18)s::INTEGER ELSE %(param_19)s::INTEGER END) AS r0, max(CASE WHEN ((retention_ret.ts - retention_births.birth) / %(param_16)s::BIGINT = %(param_20)s::BIGINT) THEN %(param_18)s::INTEGER ELSE %(param_19)s::INTEGER END) AS r1, max(CASE WHEN ((retention_ret.ts - retention_births.birth) / %(param_16)s::BIGINT = %(param_21)s::BIGINT) THEN %(param_18)s::INTEGER ELSE %(param_19)s::INTEGER END) AS r2
FROM retention_births
JOIN events AS retention_ret ON retention_ret.person = retention_births.person
LEFT OUTER JOIN users AS retention_ret_u ON retention_ret_u.id = retention_ret.person
WHERE retention_ret.event IS NOT NULL AND retention_ret.ts > retention_births.birth AND retention_ret.ts < retention_births.birth + %(param_22)s::BIGINT AND CASE WHEN (jsonb_typeof(retention_ret_u.traits -> %(param_23)s::VARCHAR) = %(param_24)s::VARCHAR) THEN CAST(retention_ret_u.traits ->> %(param_25)s::VARCHAR AS DOUBLE PRECISION) END > %(param_26)s::INTEGER
GROUP BY retention_births.person, retention_births.birth) AS retention_returns ON retention_returns.person = retention_births.person AND retention_returns.birth = retention_births.birth
GROUP BY retention_births.cohort, retention_births.grp;
