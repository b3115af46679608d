SELECT ? AS ev, pairs.b, count(*) AS v
FROM (SELECT DISTINCT (person_hours.hour + CASE WHEN (person_hours.hour < ?) THEN ? ELSE ? END) / ? AS b, person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= ? AND person_hours.hour < ?) AS pairs
GROUP BY pairs.b;

SELECT ? AS ev, count(*) AS v
FROM (SELECT DISTINCT person_hours.person AS person
FROM person_hours
WHERE person_hours.hour >= ? AND person_hours.hour < ?) AS pairs;
