WITH `ff1_funnel_people` AS (SELECT `ff1_funnel_times1`.`person` AS `person`, :param_1 AS `grp`, `ff1_funnel_times1`.`t0` AS `t0`, `ff1_funnel_times1`.`t1` AS `t1`, `ff1_funnel_times1`.`t2` AS `t2`
FROM (SELECT `ff1_funnel_times0`.`person` AS `person`, `ff1_funnel_times0`.`ff1_evs` AS `ff1_evs`, `ff1_funnel_times0`.`ff1_e0` AS `ff1_e0`, `ff1_funnel_times0`.`ff1_i0` AS `ff1_i0`, `ff1_funnel_times0`.`t0` AS `t0`, `ff1_funnel_times0`.`ff1_j1` AS `ff1_j1`, `ff1_funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, ff1_evs)) AS `ff1_j2`, if(ff1_j2 = 0, NULL, intDiv(arrayElement(ff1_evs, ff1_j2), 16)) AS `t2`
FROM (SELECT `ff1_funnel_arrays`.`person` AS `person`, `ff1_funnel_arrays`.`ff1_evs` AS `ff1_evs`, `ff1_funnel_arrays`.`ff1_e0` AS `ff1_e0`, if(ff1_e0 IS NULL, 0, 1) AS `ff1_i0`, intDiv(assumeNotNull(ff1_e0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, ff1_evs)) AS `ff1_j1`, if(ff1_j1 = 0, NULL, intDiv(arrayElement(ff1_evs, ff1_j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `ff1_funnel_stored`.`sp`), `ff1_funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`ff1_funnel_stored`.`a`))) AS `ff1_evs`, min(`ff1_funnel_stored`.`e`) AS `ff1_e0`
FROM (SELECT `ff1_funnel_rows`.`sp` AS `sp`, groupArrayIf(`ff1_funnel_rows`.`v`, bitAnd(`ff1_funnel_rows`.`v`, :param_2) != :param_3) AS `a`, minIfOrNull(`ff1_funnel_rows`.`v`, bitAnd(`ff1_funnel_rows`.`v`, :param_4) != :param_3) AS `e`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_5 + :param_6 + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 AND `events`.`ts` >= :param_10 AND `events`.`ts` < :param_11) THEN :param_12 ELSE :param_13 END + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9) THEN :param_14 ELSE :param_15 END + CASE WHEN (`events`.`event` = :param_16) THEN :param_17 ELSE :param_18 END + CASE WHEN (`events`.`event` = :param_19) THEN :param_20 ELSE :param_21 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_22 AND `events`.`ts` <= :param_23 AND (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 OR `events`.`event` = :param_16 OR `events`.`event` = :param_19)) AS `ff1_funnel_rows`
GROUP BY `ff1_funnel_rows`.`sp`) AS `ff1_funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `ff1_funnel_stored`.`sp`), `ff1_funnel_stored`.`sp`)) AS `ff1_funnel_arrays`) AS `ff1_funnel_times0`) AS `ff1_funnel_times1`
WHERE `ff1_funnel_times1`.`ff1_i0` > :param_24) SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, `users`.`last_seen` AS `_key`
FROM `users`
WHERE `users`.`id` IN (SELECT `ff1_funnel_people`.`person`
FROM `ff1_funnel_people`
WHERE `ff1_funnel_people`.`t1` IS NOT NULL AND `ff1_funnel_people`.`t2` IS NULL) AND (`users`.`last_seen` < :param_25 OR `users`.`last_seen` = :param_26 AND `users`.`id` < :param_27)
ORDER BY `users`.`last_seen` DESC, `users`.`id` DESC
LIMIT :param_28;

WITH `ff1_funnel_people` AS (SELECT `ff1_funnel_times1`.`person` AS `person`, :param_1 AS `grp`, `ff1_funnel_times1`.`t0` AS `t0`, `ff1_funnel_times1`.`t1` AS `t1`, `ff1_funnel_times1`.`t2` AS `t2`
FROM (SELECT `ff1_funnel_times0`.`person` AS `person`, `ff1_funnel_times0`.`ff1_evs` AS `ff1_evs`, `ff1_funnel_times0`.`ff1_e0` AS `ff1_e0`, `ff1_funnel_times0`.`ff1_i0` AS `ff1_i0`, `ff1_funnel_times0`.`t0` AS `t0`, `ff1_funnel_times0`.`ff1_j1` AS `ff1_j1`, `ff1_funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, ff1_evs)) AS `ff1_j2`, if(ff1_j2 = 0, NULL, intDiv(arrayElement(ff1_evs, ff1_j2), 16)) AS `t2`
FROM (SELECT `ff1_funnel_arrays`.`person` AS `person`, `ff1_funnel_arrays`.`ff1_evs` AS `ff1_evs`, `ff1_funnel_arrays`.`ff1_e0` AS `ff1_e0`, if(ff1_e0 IS NULL, 0, 1) AS `ff1_i0`, intDiv(assumeNotNull(ff1_e0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, ff1_evs)) AS `ff1_j1`, if(ff1_j1 = 0, NULL, intDiv(arrayElement(ff1_evs, ff1_j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `ff1_funnel_stored`.`sp`), `ff1_funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`ff1_funnel_stored`.`a`))) AS `ff1_evs`, min(`ff1_funnel_stored`.`e`) AS `ff1_e0`
FROM (SELECT `ff1_funnel_rows`.`sp` AS `sp`, groupArrayIf(`ff1_funnel_rows`.`v`, bitAnd(`ff1_funnel_rows`.`v`, :param_2) != :param_3) AS `a`, minIfOrNull(`ff1_funnel_rows`.`v`, bitAnd(`ff1_funnel_rows`.`v`, :param_4) != :param_3) AS `e`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_5 + :param_6 + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 AND `events`.`ts` >= :param_10 AND `events`.`ts` < :param_11) THEN :param_12 ELSE :param_13 END + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9) THEN :param_14 ELSE :param_15 END + CASE WHEN (`events`.`event` = :param_16) THEN :param_17 ELSE :param_18 END + CASE WHEN (`events`.`event` = :param_19) THEN :param_20 ELSE :param_21 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_22 AND `events`.`ts` <= :param_23 AND (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 OR `events`.`event` = :param_16 OR `events`.`event` = :param_19)) AS `ff1_funnel_rows`
GROUP BY `ff1_funnel_rows`.`sp`) AS `ff1_funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `ff1_funnel_stored`.`sp`), `ff1_funnel_stored`.`sp`)) AS `ff1_funnel_arrays`) AS `ff1_funnel_times0`) AS `ff1_funnel_times1`
WHERE `ff1_funnel_times1`.`ff1_i0` > :param_24) SELECT count(*) AS `n`
FROM `users`
WHERE `users`.`id` IN (SELECT `ff1_funnel_people`.`person`
FROM `ff1_funnel_people`
WHERE `ff1_funnel_people`.`t1` IS NOT NULL AND `ff1_funnel_people`.`t2` IS NULL);
