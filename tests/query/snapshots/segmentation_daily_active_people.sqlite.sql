WITH bucket_bounds(b, s, e) AS (VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)) SELECT ? AS ev, bucket_bounds.b, (SELECT count(*) AS count_1
FROM (SELECT DISTINCT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= bucket_bounds.s AND person_hours.hour < bucket_bounds.e) AS active) AS v
FROM bucket_bounds;

SELECT ? AS ev, count(*) AS v
FROM (SELECT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour + ? >= ? AND person_hours.hour + ? < ?
GROUP BY person_hours.person) AS persons;
