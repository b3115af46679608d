WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_23)s::BIGINT) THEN %(param_24)s::BIGINT ELSE %(param_25)s::BIGINT END) / %(param_26)s::BIGINT AS cohort, %(param_27)s::INTEGER AS grp
FROM (SELECT retention_start.person AS person, min(retention_start.ts) AS birth
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
LEFT OUTER JOIN users ON users.id = events.person
WHERE events.event = %(param_28)s::VARCHAR AND CASE WHEN (jsonb_typeof(users.traits -> %(param_29)s::VARCHAR) = %(param_30)s::VARCHAR) THEN CAST(users.traits ->> %(param_31)s::VARCHAR AS DOUBLE PRECISION) END > %(param_32)s::INTEGER AND (events.properties ->> %(param_33)s::VARCHAR) = %(param_34)s::VARCHAR) AS retention_start
GROUP BY retention_start.person) AS retention_first_births
WHERE retention_first_births.birth >= %(param_35)s::BIGINT AND retention_first_births.birth < %(param_36)s::BIGINT) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT %(param_1)s::INTEGER AS anon_1
FROM events AS retention_e0
LEFT OUTER JOIN users AS retention_u0 ON retention_u0.id = retention_e0.person
WHERE retention_e0.event IS NOT NULL AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth AND retention_e0.ts < retention_births.birth + %(param_2)s::BIGINT AND CASE WHEN (jsonb_typeof(retention_u0.traits -> %(param_3)s::VARCHAR) = %(param_4)s::VARCHAR) THEN CAST(retention_u0.traits ->> %(param_5)s::VARCHAR AS DOUBLE PRECISION) END > %(param_6)s::INTEGER)) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END) AS c0, sum(CASE WHEN (EXISTS (SELECT %(param_9)s::INTEGER AS anon_2
FROM events AS retention_e1
LEFT OUTER JOIN users AS retention_u1 ON retention_u1.id = retention_e1.person
WHERE retention_e1.event IS NOT NULL AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + %(param_10)s::BIGINT AND retention_e1.ts < retention_births.birth + %(param_11)s::BIGINT AND CASE WHEN (jsonb_typeof(retention_u1.traits -> %(param_12)s::VARCHAR) = %(param_13)s::VARCHAR) THEN CAST(retention_u1.traits ->> %(param_14)s::VARCHAR AS DOUBLE PRECISION) END > %(param_15)s::INTEGER)) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END) AS c1, sum(CASE WHEN (EXISTS (SELECT %(param_16)s::INTEGER AS anon_3
FROM events AS retention_e2
LEFT OUTER JOIN users AS retention_u2 ON retention_u2.id = retention_e2.person
WHERE retention_e2.event IS NOT NULL AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + %(param_17)s::BIGINT AND retention_e2.ts < retention_births.birth + %(param_18)s::BIGINT AND CASE WHEN (jsonb_typeof(retention_u2.traits -> %(param_19)s::VARCHAR) = %(param_20)s::VARCHAR) THEN CAST(retention_u2.traits ->> %(param_21)s::VARCHAR AS DOUBLE PRECISION) END > %(param_22)s::INTEGER)) THEN %(param_7)s::INTEGER ELSE %(param_8)s::INTEGER END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
