WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, ((retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT + %(param_6)s::BIGINT) / %(param_7)s::BIGINT AS cohort, %(param_8)s::INTEGER AS grp
FROM (SELECT retention_keyed.person AS person, min(retention_keyed.ts) AS birth
FROM (SELECT retention_start.person AS person, ((retention_start.ts + CASE WHEN (retention_start.ts < %(param_9)s::BIGINT) THEN %(param_10)s::BIGINT ELSE %(param_11)s::BIGINT END) / %(param_12)s::BIGINT + %(param_13)s::BIGINT) / %(param_14)s::BIGINT AS cohort, retention_start.ts AS ts
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = %(param_15)s::VARCHAR AND (events.properties ->> %(param_16)s::VARCHAR) = %(param_17)s::VARCHAR AND events.ts >= %(param_18)s::BIGINT AND events.ts < %(param_19)s::BIGINT) AS retention_start) AS retention_keyed
GROUP BY retention_keyed.person, retention_keyed.cohort) AS retention_first_births
WHERE retention_first_births.birth >= %(param_20)s::BIGINT AND retention_first_births.birth < %(param_21)s::BIGINT) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(coalesce(retention_returns.r0, %(param_1)s::INTEGER)) AS c0, sum(coalesce(retention_returns.r1, %(param_1)s::INTEGER)) AS c1, sum(coalesce(retention_returns.r2, %(param_1)s::INTEGER)) AS c2
FROM retention_births
LEFT OUTER JOIN (SELECT retention_births.person AS person, retention_births.birth AS birth, %(param_22)s::INTEGER AS r0, CASE WHEN (max(retention_ret.ts) >= retention_births.birth + %(param_23)s::BIGINT) THEN %(param_22)s::INTEGER ELSE %(param_24)s::INTEGER END AS r1, CASE WHEN (max(retention_ret.ts) >= retention_births.birth + %(param_25)s::BIGINT) THEN %(param_22)s::INTEGER ELSE %(param_24)s::INTEGER END AS r2
FROM retention_births
JOIN events AS retention_ret ON retention_ret.person = retention_births.person
WHERE retention_ret.event = %(param_26)s::VARCHAR AND retention_ret.ts > retention_births.birth
GROUP BY retention_births.person, retention_births.birth) AS retention_returns ON retention_returns.person = retention_births.person AND retention_returns.birth = retention_births.birth
GROUP BY retention_births.cohort, retention_births.grp;
