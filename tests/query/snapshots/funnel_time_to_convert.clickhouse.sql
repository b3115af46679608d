WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, :param_2 AS `grp`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, intDiv(arrayElement(evs, j2), 16)) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, arrayFirstIndex(x -> bitAnd(x, 1) != 0, evs) AS `i0`, intDiv(arrayElement(evs, i0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, intDiv(arrayElement(evs, j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArray(`funnel_rows`.`v`) AS `a`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_3 + :param_4 + CASE WHEN (`events`.`event` = :param_5 AND JSONExtractString(`events`.`properties`, :param_6) = :param_7 AND `events`.`ts` >= :param_8 AND `events`.`ts` < :param_9) THEN :param_10 ELSE :param_11 END + CASE WHEN (`events`.`event` = :param_5 AND JSONExtractString(`events`.`properties`, :param_6) = :param_7) THEN :param_12 ELSE :param_13 END + CASE WHEN (`events`.`event` = :param_14) THEN :param_15 ELSE :param_16 END + CASE WHEN (`events`.`event` = :param_17) THEN :param_18 ELSE :param_19 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_20 AND `events`.`ts` <= :param_21 AND (`events`.`event` = :param_5 AND JSONExtractString(`events`.`properties`, :param_6) = :param_7 OR `events`.`event` = :param_14 OR `events`.`event` = :param_17)) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_22) SELECT `funnel_converted`.`grp`, count(`funnel_converted`.`d`) AS `n`, sum(`funnel_converted`.`d`) AS `total`, min(`funnel_converted`.`d`) AS `lo`, max(`funnel_converted`.`d`) AS `hi`, ((medianExactLow(`funnel_converted`.`d`) + medianExactHigh(`funnel_converted`.`d`)) / :param_1) AS `median_d`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`;

WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, :param_4 AS `grp`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, intDiv(arrayElement(evs, j2), 16)) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, arrayFirstIndex(x -> bitAnd(x, 1) != 0, evs) AS `i0`, intDiv(arrayElement(evs, i0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, intDiv(arrayElement(evs, j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArray(`funnel_rows`.`v`) AS `a`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_5 + :param_6 + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 AND `events`.`ts` >= :param_10 AND `events`.`ts` < :param_11) THEN :param_12 ELSE :param_13 END + CASE WHEN (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9) THEN :param_14 ELSE :param_15 END + CASE WHEN (`events`.`event` = :param_16) THEN :param_17 ELSE :param_18 END + CASE WHEN (`events`.`event` = :param_19) THEN :param_20 ELSE :param_21 END AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_22 AND `events`.`ts` <= :param_23 AND (`events`.`event` = :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 OR `events`.`event` = :param_16 OR `events`.`event` = :param_19)) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_24) SELECT `funnel_converted`.`grp`, intDiv(((`funnel_converted`.`d` - :param_1) * :param_2), :param_3) AS `bin`, count(*) AS `n`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`, `bin`;
