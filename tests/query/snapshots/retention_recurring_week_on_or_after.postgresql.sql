WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, ((retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_11)s::BIGINT) THEN %(param_12)s::BIGINT ELSE %(param_13)s::BIGINT END) / %(param_14)s::BIGINT + %(param_15)s::BIGINT) / %(param_16)s::BIGINT AS cohort, %(param_17)s::INTEGER AS grp
FROM (SELECT retention_keyed.person AS person, min(retention_keyed.ts) AS birth
FROM (SELECT retention_start.person AS person, ((retention_start.ts + CASE WHEN (retention_start.ts < %(param_18)s::BIGINT) THEN %(param_19)s::BIGINT ELSE %(param_20)s::BIGINT END) / %(param_21)s::BIGINT + %(param_22)s::BIGINT) / %(param_23)s::BIGINT AS cohort, retention_start.ts AS ts
FROM (SELECT events.person AS person, events.ts AS ts
FROM events
WHERE events.event = %(param_24)s::VARCHAR AND (events.properties ->> %(param_25)s::VARCHAR) = %(param_26)s::VARCHAR AND events.ts >= %(param_27)s::BIGINT AND events.ts < %(param_28)s::BIGINT) AS retention_start) AS retention_keyed
GROUP BY retention_keyed.person, retention_keyed.cohort) AS retention_first_births
WHERE retention_first_births.birth >= %(param_29)s::BIGINT AND retention_first_births.birth < %(param_30)s::BIGINT) SELECT retention_births.cohort, retention_births.grp, count(*) AS size, sum(CASE WHEN (EXISTS (SELECT %(param_1)s::INTEGER AS anon_1
FROM events AS retention_e0
WHERE retention_e0.event = %(param_2)s::VARCHAR AND retention_e0.person = retention_births.person AND retention_e0.ts > retention_births.birth)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c0, sum(CASE WHEN (EXISTS (SELECT %(param_5)s::INTEGER AS anon_2
FROM events AS retention_e1
WHERE retention_e1.event = %(param_6)s::VARCHAR AND retention_e1.person = retention_births.person AND retention_e1.ts >= retention_births.birth + %(param_7)s::BIGINT)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c1, sum(CASE WHEN (EXISTS (SELECT %(param_8)s::INTEGER AS anon_3
FROM events AS retention_e2
WHERE retention_e2.event = %(param_9)s::VARCHAR AND retention_e2.person = retention_births.person AND retention_e2.ts >= retention_births.birth + %(param_10)s::BIGINT)) THEN %(param_3)s::INTEGER ELSE %(param_4)s::INTEGER END) AS c2
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp;
