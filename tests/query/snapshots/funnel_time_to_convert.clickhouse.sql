WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, :param_2 AS `grp`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`e0` AS `e0`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, intDiv(arrayElement(evs, j2), 16)) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, `funnel_arrays`.`e0` AS `e0`, if(e0 IS NULL, 0, 1) AS `i0`, intDiv(assumeNotNull(e0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, intDiv(arrayElement(evs, j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`, min(`funnel_stored`.`e`) AS `e0`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArrayIf(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_3) != :param_4) AS `a`, minIfOrNull(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_5) != :param_4) AS `e`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_6 + :param_7 + CASE WHEN (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10 AND `events`.`ts` >= :param_11 AND `events`.`ts` < :param_12) THEN :param_13 ELSE :param_14 END + CASE WHEN (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10) THEN :param_15 ELSE :param_16 END + CASE WHEN (`events`.`event` = :param_17) THEN :param_18 ELSE :param_19 END + CASE WHEN (`events`.`event` = :param_20) THEN :param_21 ELSE :param_22 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_23 AND `events`.`ts` <= :param_24 AND (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10 OR `events`.`event` = :param_17 OR `events`.`event` = :param_20)) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_25) SELECT `funnel_converted`.`grp`, count(`funnel_converted`.`d`) AS `n`, sum(`funnel_converted`.`d`) AS `total`, min(`funnel_converted`.`d`) AS `lo`, max(`funnel_converted`.`d`) AS `hi`, ((medianExactLow(`funnel_converted`.`d`) + medianExactHigh(`funnel_converted`.`d`)) / :param_1) AS `median_d`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`;

WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, :param_4 AS `grp`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`e0` AS `e0`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, intDiv(arrayElement(evs, j2), 16)) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, `funnel_arrays`.`e0` AS `e0`, if(e0 IS NULL, 0, 1) AS `i0`, intDiv(assumeNotNull(e0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, intDiv(arrayElement(evs, j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`, min(`funnel_stored`.`e`) AS `e0`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArrayIf(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_5) != :param_6) AS `a`, minIfOrNull(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_7) != :param_6) AS `e`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_8 + :param_9 + CASE WHEN (`events`.`event` = :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12 AND `events`.`ts` >= :param_13 AND `events`.`ts` < :param_14) THEN :param_15 ELSE :param_16 END + CASE WHEN (`events`.`event` = :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12) THEN :param_17 ELSE :param_18 END + CASE WHEN (`events`.`event` = :param_19) THEN :param_20 ELSE :param_21 END + CASE WHEN (`events`.`event` = :param_22) THEN :param_23 ELSE :param_24 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_25 AND `events`.`ts` <= :param_26 AND (`events`.`event` = :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12 OR `events`.`event` = :param_19 OR `events`.`event` = :param_22)) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_27) SELECT `funnel_converted`.`grp`, intDiv(((`funnel_converted`.`d` - :param_1) * :param_2), :param_3) AS `bin`, count(*) AS `n`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`, `bin`;
