SELECT anon_1.key AS key, CASE WHEN (jsonb_typeof(anon_1.value) = %(param_1)s::VARCHAR AND ((anon_1.value #>> '{}'::text[]) ~ %(param_2)s::VARCHAR)) THEN %(param_3)s::VARCHAR ELSE jsonb_typeof(anon_1.value) END AS type, count(*) AS count
FROM (SELECT events.properties AS doc
FROM events
WHERE events.event = %(param_4)s::VARCHAR
ORDER BY events.ts DESC
LIMIT %(param_5)s::INTEGER) AS sample
JOIN jsonb_each(sample.doc) AS anon_1 ON true
GROUP BY anon_1.key, CASE WHEN (jsonb_typeof(anon_1.value) = %(param_1)s::VARCHAR AND ((anon_1.value #>> '{}'::text[]) ~ %(param_2)s::VARCHAR)) THEN %(param_3)s::VARCHAR ELSE jsonb_typeof(anon_1.value) END
ORDER BY anon_1.key, type;
