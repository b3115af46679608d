SELECT anon_1."key" AS "key", CASE WHEN (CASE WHEN (anon_1.type = ?) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_1])) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_2])) THEN ? ELSE anon_1.type END = ? AND (anon_1.atom GLOB ?)) THEN ? ELSE CASE WHEN (anon_1.type = ?) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_1])) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_2])) THEN ? ELSE anon_1.type END END AS type, count(*) AS count
FROM (SELECT events.properties AS doc
FROM events
WHERE events.event = ?
ORDER BY events.ts DESC
LIMIT ? OFFSET ?) AS sample
JOIN json_each(sample.doc) AS anon_1 ON 1 = 1
GROUP BY anon_1."key", CASE WHEN (CASE WHEN (anon_1.type = ?) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_1])) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_2])) THEN ? ELSE anon_1.type END = ? AND (anon_1.atom GLOB ?)) THEN ? ELSE CASE WHEN (anon_1.type = ?) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_1])) THEN ? WHEN (anon_1.type IN (__[POSTCOMPILE_type_2])) THEN ? ELSE anon_1.type END END
ORDER BY anon_1."key", type;
