SELECT `funnel_step0`.`g` AS `g`, count(*) AS `n`
FROM (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`g` AS `g`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`g` AS `g`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_1 AS `m0`, `events`.`id` AS `id`, `events`.`city` AS `g`
FROM `events`
WHERE `events`.`event` = :param_2 AND `events`.`ts` < :param_3 AND JSONExtractString(`events`.`properties`, :param_4) = :param_5 AND `events`.`ts` >= :param_6) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_7) AS `first_entry`
WHERE `first_entry`.`rn` = :param_8) AS `funnel_step0`
GROUP BY `funnel_step0`.`g`
ORDER BY `n` DESC, `funnel_step0`.`g` ASC NULLS LAST
LIMIT :param_9;

WITH `funnel_people` AS (SELECT `funnel_times1`.`person` AS `person`, CASE WHEN (`funnel_times1`.`g` = :param_3) THEN :param_4 WHEN (`funnel_times1`.`g` IS NULL) THEN :param_5 ELSE :param_6 END AS `grp`, `funnel_times1`.`g` AS `g`, `funnel_times1`.`t0` AS `t0`, `funnel_times1`.`t1` AS `t1`, `funnel_times1`.`t2` AS `t2`
FROM (SELECT `funnel_times0`.`person` AS `person`, `funnel_times0`.`evs` AS `evs`, `funnel_times0`.`i0` AS `i0`, `funnel_times0`.`t0` AS `t0`, `funnel_times0`.`g` AS `g`, `funnel_times0`.`j1` AS `j1`, `funnel_times0`.`t1` AS `t1`, if(t1 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x.3, 8) != 0 AND x.1 > assumeNotNull(t1) AND x.1 <= t0 + 604800000, evs)) AS `j2`, if(j2 = 0, NULL, arrayElement(evs, j2).1) AS `t2`
FROM (SELECT `funnel_arrays`.`person` AS `person`, `funnel_arrays`.`evs` AS `evs`, arrayFirstIndex(x -> bitAnd(x.3, 1) != 0, evs) AS `i0`, arrayElement(evs, i0).1 AS `t0`, arrayElement(evs, i0).4 AS `g`, if(t0 IS NULL, 0, arrayFirstIndex(x -> bitAnd(x.3, 4) != 0 AND x.1 > assumeNotNull(t0) AND x.1 <= t0 + 604800000, evs)) AS `j1`, if(j1 = 0, NULL, arrayElement(evs, j1).1) AS `t1`
FROM (SELECT ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`) AS `person`, arraySort(arrayFlatten(groupArray(`funnel_stored`.`a`))) AS `evs`
FROM (SELECT `funnel_rows`.`sp` AS `sp`, groupArray(tuple(`funnel_rows`.`ts`, `funnel_rows`.`id`, `funnel_rows`.`mask`, `funnel_rows`.`g`)) AS `a`
FROM (SELECT `events`.`stored_person` AS `sp`, `events`.`ts` AS `ts`, `events`.`id` AS `id`, :param_7 + CASE WHEN (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10 AND `events`.`ts` >= :param_11 AND `events`.`ts` < :param_12) THEN :param_13 ELSE :param_14 END + CASE WHEN (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10) THEN :param_15 ELSE :param_16 END + CASE WHEN (`events`.`event` = :param_17) THEN :param_18 ELSE :param_19 END + CASE WHEN (`events`.`event` = :param_20) THEN :param_21 ELSE :param_22 END AS `mask`, `events`.`city` AS `g`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_23 AND `events`.`ts` <= :param_24 AND (`events`.`event` = :param_8 AND JSONExtractString(`events`.`properties`, :param_9) = :param_10 OR `events`.`event` = :param_17 OR `events`.`event` = :param_20)) AS `funnel_rows`
GROUP BY `funnel_rows`.`sp`) AS `funnel_stored`
GROUP BY ifNull(joinGetOrNull('person_overrides', 'person', `funnel_stored`.`sp`), `funnel_stored`.`sp`)) AS `funnel_arrays`) AS `funnel_times0`) AS `funnel_times1`
WHERE `funnel_times1`.`i0` > :param_25) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`
UNION ALL SELECT :param_26 AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
