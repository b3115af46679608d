WITH person_values AS MATERIALIZED (SELECT people.ev AS ev, people.person AS person, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_2)s::VARCHAR END AS g, people.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_3)s::BIGINT AND event_person_hours.hour < %(param_4)s::BIGINT
GROUP BY event_person_hours.event, event_person_hours.person) AS people
LEFT OUTER JOIN users ON users.id = people.person) SELECT person_values.ev, person_values.g, CAST(NULL AS BIGINT) AS b, count(*) AS v, sum(person_values.n) AS n
FROM person_values
GROUP BY person_values.ev, person_values.g
UNION ALL SELECT person_values.ev, person_values.g, pairs.b, count(*) AS v, CAST(NULL AS BIGINT) AS n
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + %(param_5)s::BIGINT) / %(param_6)s::BIGINT AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_3)s::BIGINT AND event_person_hours.hour < %(param_4)s::BIGINT
GROUP BY event_person_hours.event, b, event_person_hours.person) AS pairs
JOIN person_values ON person_values.person = pairs.person AND person_values.ev = pairs.ev
GROUP BY person_values.ev, person_values.g, pairs.b;

WITH person_values AS MATERIALIZED (SELECT people.ev AS ev, people.person AS person, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_2)s::VARCHAR END AS g, people.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_3)s::BIGINT AND event_person_hours.hour < %(param_4)s::BIGINT
GROUP BY event_person_hours.event, event_person_hours.person) AS people
LEFT OUTER JOIN users ON users.id = people.person) SELECT person_values.ev, person_values.g, CAST(NULL AS BIGINT) AS b, count(*) AS v, sum(person_values.n) AS n
FROM person_values
GROUP BY person_values.ev, person_values.g
UNION ALL SELECT person_values.ev, person_values.g, pairs.b, count(*) AS v, CAST(NULL AS BIGINT) AS n
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + %(param_5)s::BIGINT) / %(param_6)s::BIGINT AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_3)s::BIGINT AND event_person_hours.hour < %(param_4)s::BIGINT
GROUP BY event_person_hours.event, b, event_person_hours.person) AS pairs
JOIN person_values ON person_values.person = pairs.person AND person_values.ev = pairs.ev
GROUP BY person_values.ev, person_values.g, pairs.b;

SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY sum(base.n) DESC, base.g COLLATE "C" ASC NULLS LAST) AS rn
FROM (SELECT persons.ev AS ev, CASE WHEN (jsonb_typeof(users.traits -> %(param_1)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_2)s::VARCHAR END AS g, persons.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_3)s::BIGINT AND event_person_hours.hour < %(param_4)s::BIGINT
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= %(param_5)s::INTEGER
ORDER BY ranked.ev, ranked.rn;

SELECT persons.ev, CASE persons.ev WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, persons.b, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + %(param_13)s::BIGINT) / %(param_14)s::BIGINT AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_15)s::BIGINT AND event_person_hours.hour < %(param_16)s::BIGINT
GROUP BY event_person_hours.event, b, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi, persons.b;

SELECT persons.ev, CASE persons.ev WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_13)s::BIGINT AND event_person_hours.hour < %(param_14)s::BIGINT
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi;

SELECT persons.ev, CASE persons.ev WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, persons.b, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + %(param_13)s::BIGINT) / %(param_14)s::BIGINT AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_15)s::BIGINT AND event_person_hours.hour < %(param_16)s::BIGINT
GROUP BY event_person_hours.event, b, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi, persons.b;

SELECT persons.ev, CASE persons.ev WHEN %(param_1)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_4)s::VARCHAR THEN %(param_5)s::INTEGER ELSE CASE WHEN (CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END IS NULL) THEN %(param_6)s::INTEGER ELSE %(param_7)s::INTEGER END END WHEN %(param_8)s::VARCHAR THEN CASE CASE WHEN (jsonb_typeof(users.traits -> %(param_2)s::VARCHAR) IN (__[POSTCOMPILE_jsonb_typeof_1])) THEN users.traits ->> %(param_3)s::VARCHAR END WHEN %(param_9)s::VARCHAR THEN %(param_10)s::INTEGER ELSE %(param_11)s::INTEGER END ELSE %(param_12)s::INTEGER END AS gi, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= %(param_13)s::BIGINT AND event_person_hours.hour < %(param_14)s::BIGINT
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi;
