WITH retention_births AS MATERIALIZED (SELECT retention_first_births.person AS person, retention_first_births.birth AS birth, (retention_first_births.birth + CASE WHEN (retention_first_births.birth < %(param_2)s::BIGINT) THEN %(param_3)s::BIGINT ELSE %(param_4)s::BIGINT END) / %(param_5)s::BIGINT AS cohort, %(param_6)s::INTEGER AS grp
FROM (SELECT retention_candidates.person AS person, (SELECT min(retention_first.ts) AS min_1
FROM events AS retention_first
WHERE retention_first.event = %(param_7)s::VARCHAR AND retention_first.person = retention_candidates.person) AS birth
FROM (SELECT event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event = %(param_7)s::VARCHAR
GROUP BY event_person_hours.person HAVING min(event_person_hours.hour) > %(param_8)s::BIGINT AND min(event_person_hours.hour) < %(param_9)s::BIGINT) AS retention_candidates
LIMIT ALL OFFSET 0) AS retention_first_births
WHERE retention_first_births.birth >= %(param_10)s::BIGINT AND retention_first_births.birth < %(param_11)s::BIGINT) SELECT retention_sizes.cohort, retention_sizes.grp, retention_sizes.size, coalesce(retention_hits.c0, %(param_1)s::INTEGER) AS c0, coalesce(retention_hits.c1, %(param_1)s::INTEGER) AS c1, coalesce(retention_hits.c2, %(param_1)s::INTEGER) AS c2
FROM (SELECT retention_births.cohort AS cohort, retention_births.grp AS grp, count(*) AS size
FROM retention_births
GROUP BY retention_births.cohort, retention_births.grp) AS retention_sizes
LEFT OUTER JOIN (SELECT retention_periods.cohort AS cohort, retention_periods.grp AS grp, sum(CASE WHEN (retention_periods.n = %(param_12)s::BIGINT) THEN %(param_13)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c0, sum(CASE WHEN (retention_periods.n = %(param_14)s::BIGINT) THEN %(param_13)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c1, sum(CASE WHEN (retention_periods.n = %(param_15)s::BIGINT) THEN %(param_13)s::INTEGER ELSE %(param_1)s::INTEGER END) AS c2
FROM (SELECT DISTINCT retention_births.person AS person, retention_births.birth AS birth, retention_births.cohort AS cohort, retention_births.grp AS grp, (retention_ret.ts - retention_births.birth) / %(param_16)s::BIGINT AS n
FROM retention_births
JOIN events AS retention_ret ON retention_ret.event IS NOT NULL AND retention_ret.person = retention_births.person AND retention_ret.ts > retention_births.birth AND retention_ret.ts < retention_births.birth + %(param_17)s::BIGINT) AS retention_periods
GROUP BY retention_periods.cohort, retention_periods.grp) AS retention_hits ON retention_hits.cohort = retention_sizes.cohort AND retention_hits.grp = retention_sizes.grp;
