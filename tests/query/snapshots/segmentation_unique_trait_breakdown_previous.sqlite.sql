WITH person_values AS MATERIALIZED (SELECT people.ev AS ev, people.person AS person, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g, people.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, event_person_hours.person) AS people
LEFT OUTER JOIN users ON users.id = people.person) SELECT person_values.ev, person_values.g, CAST(NULL AS BIGINT) AS b, count(*) AS v, sum(person_values.n) AS n
FROM person_values
GROUP BY person_values.ev, person_values.g
UNION ALL SELECT person_values.ev, person_values.g, pairs.b, count(*) AS v, CAST(NULL AS BIGINT) AS n
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + ?) / ? AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, b, event_person_hours.person) AS pairs
JOIN person_values ON person_values.person = pairs.person AND person_values.ev = pairs.ev
GROUP BY person_values.ev, person_values.g, pairs.b;

WITH person_values AS MATERIALIZED (SELECT people.ev AS ev, people.person AS person, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g, people.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, event_person_hours.person) AS people
LEFT OUTER JOIN users ON users.id = people.person) SELECT person_values.ev, person_values.g, CAST(NULL AS BIGINT) AS b, count(*) AS v, sum(person_values.n) AS n
FROM person_values
GROUP BY person_values.ev, person_values.g
UNION ALL SELECT person_values.ev, person_values.g, pairs.b, count(*) AS v, CAST(NULL AS BIGINT) AS n
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + ?) / ? AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, b, event_person_hours.person) AS pairs
JOIN person_values ON person_values.person = pairs.person AND person_values.ev = pairs.ev
GROUP BY person_values.ev, person_values.g, pairs.b;

SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY sum(base.n) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT persons.ev AS ev, CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g, persons.n AS n
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person, sum(event_person_hours.n) AS n
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.ev, ranked.rn;

SELECT persons.ev, CASE persons.ev WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, persons.b, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + ?) / ? AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, b, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi, persons.b;

SELECT persons.ev, CASE persons.ev WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi;

SELECT persons.ev, CASE persons.ev WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, persons.b, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, (event_person_hours.hour + ?) / ? AS b, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, b, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi, persons.b;

SELECT persons.ev, CASE persons.ev WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(users.traits, ?) WHEN ? THEN json_extract(users.traits, ?) WHEN ? THEN users.traits -> ? WHEN ? THEN users.traits -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, count(*) AS v
FROM (SELECT event_person_hours.event AS ev, event_person_hours.person AS person
FROM event_person_hours
WHERE event_person_hours.event IN (__[POSTCOMPILE_event_1]) AND event_person_hours.hour >= ? AND event_person_hours.hour < ?
GROUP BY event_person_hours.event, event_person_hours.person) AS persons
LEFT OUTER JOIN users ON users.id = persons.person
GROUP BY persons.ev, gi;
