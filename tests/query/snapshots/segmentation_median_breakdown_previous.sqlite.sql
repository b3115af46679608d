SELECT ranked.ev, ranked.g
FROM (SELECT base.ev AS ev, base.g AS g, row_number() OVER (PARTITION BY base.ev
ORDER BY count(*) DESC, base.g ASC NULLS LAST) AS rn
FROM (SELECT ? AS ev, CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END AS g
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) AS base
GROUP BY base.ev, base.g) AS ranked
WHERE ranked.rn <= ?
ORDER BY ranked.ev, ranked.rn;

WITH median_rows AS MATERIALIZED (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) SELECT per_bucket.ev, per_bucket.gi, per_bucket.b, ? AS whole, per_bucket.median
FROM (SELECT median_rows.ev AS ev, median_rows.gi AS gi, median_rows.b AS b, median(median_rows.num) FILTER (WHERE median_rows.num IS NOT NULL) AS median
FROM median_rows
GROUP BY median_rows.ev, median_rows.gi, median_rows.b) AS per_bucket
UNION ALL SELECT over_range.ev, over_range.gi, over_range.b, ? AS whole, over_range.median
FROM (SELECT median_rows.ev AS ev, median_rows.gi AS gi, median(median_rows.num) FILTER (WHERE median_rows.num IS NOT NULL) AS median, min(median_rows.b) AS b
FROM median_rows
GROUP BY median_rows.ev, median_rows.gi) AS over_range;

WITH median_rows AS MATERIALIZED (SELECT ? AS ev, CASE ? WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE CASE WHEN (CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END IS NULL) THEN ? ELSE ? END END WHEN ? THEN CASE CASE json_type(events.properties, ?) WHEN ? THEN json_extract(events.properties, ?) WHEN ? THEN events.properties -> ? WHEN ? THEN events.properties -> ? WHEN ? THEN ? WHEN ? THEN ? END WHEN ? THEN ? ELSE ? END ELSE ? END AS gi, ? AS b, CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END AS num
FROM events
WHERE events.event = ? AND events.ts >= ? AND events.ts < ?) SELECT per_bucket.ev, per_bucket.gi, per_bucket.b, ? AS whole, per_bucket.median
FROM (SELECT median_rows.ev AS ev, median_rows.gi AS gi, median_rows.b AS b, median(median_rows.num) FILTER (WHERE median_rows.num IS NOT NULL) AS median
FROM median_rows
GROUP BY median_rows.ev, median_rows.gi, median_rows.b) AS per_bucket
UNION ALL SELECT over_range.ev, over_range.gi, over_range.b, ? AS whole, over_range.median
FROM (SELECT median_rows.ev AS ev, median_rows.gi AS gi, median(median_rows.num) FILTER (WHERE median_rows.num IS NOT NULL) AS median, min(median_rows.b) AS b
FROM median_rows
GROUP BY median_rows.ev, median_rows.gi) AS over_range;
