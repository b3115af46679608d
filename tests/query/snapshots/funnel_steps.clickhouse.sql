WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, :param_3 AS `grp`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`e0` AS `e0`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 8) != 0 AND intDiv(x, 16) > assumeNotNull(t1) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, intDiv(arrayElement(evs, j2), 16)) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, `funnel_arrays`.`e0` AS `e0`, if(e0 IS NULL, 0, 1) AS `i0`, intDiv(assumeNotNull(e0), 16) AS `t0`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x, 4) != 0 AND intDiv(x, 16) > assumeNotNull(t0) AND intDiv(x, 16) <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, intDiv(arrayElement(evs, j1), 16)) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`, min(`funnel_stored`.`e`) AS `e0`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArrayIf(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_4) != :param_5) AS `a`, minIfOrNull(`funnel_rows`.`v`, bitAnd(`funnel_rows`.`v`, :param_6) != :param_5) AS `e`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` * :param_7 + :param_8 + CASE WHEN (`events`.`event` = :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16) AND `events`.`ts` >= :param_17 AND `events`.`ts` < :param_18) THEN :param_19 ELSE :param_20 END + CASE WHEN (`events`.`event` = :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16)) THEN :param_21 ELSE :param_22 END + CASE WHEN (`events`.`event` = :param_23 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16)) THEN :param_24 ELSE :param_25 END + CASE WHEN (`events`.`event` = :param_26 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16)) THEN :param_27 ELSE :param_28 END AS `v`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_29 AND `events`.`ts` <= :param_30 AND (`events`.`event` = :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16) OR `events`.`event` = :param_23 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16) OR `events`.`event` = :param_26 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END > :param_15 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_16))) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_31) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
