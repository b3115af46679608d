WITH `funnel_step0` AS (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`h` AS `h`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`h` AS `h`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_7 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_8 AND `events`.`ts` < :param_9 AND `events`.`ts` >= :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12
UNION ALL SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_7 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_13 AND `events`.`ts` < :param_14 AND `events`.`ts` >= :param_10
UNION ALL SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_7 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_15 AND `events`.`ts` < :param_16 AND `events`.`ts` >= :param_10) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_17) AS `first_entry`
WHERE `first_entry`.`rn` = :param_18), `funnel_reached` AS (SELECT `funnel_ranked`.`person` AS `person`, max(CASE WHEN (`funnel_ranked`.`rn` = :param_19) THEN `funnel_ranked`.`f` END) AS `t1`, max(CASE WHEN (`funnel_ranked`.`rn` = :param_20) THEN `funnel_ranked`.`f` END) AS `t2`
FROM (SELECT `funnel_done`.`person` AS `person`, `funnel_done`.`f` AS `f`, row_number() OVER (PARTITION BY `funnel_done`.`person`
ORDER BY `funnel_done`.`f`) AS `rn`
FROM (SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a0`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a0` ON `funnel_a0`.`person` = `funnel_step0`.`person`
WHERE `funnel_a0`.`event` = :param_21 AND `funnel_a0`.`person` = `funnel_step0`.`person` AND `funnel_a0`.`ts` >= `funnel_step0`.`t0` AND `funnel_a0`.`ts` <= `funnel_step0`.`t0` + :param_22 AND JSONExtractString(`funnel_a0`.`properties`, :param_23) = :param_24 AND CASE WHEN (toString(JSONType(`funnel_a0`.`properties`, :param_25)) = :param_26) THEN JSONExtractString(`funnel_a0`.`properties`, :param_25) WHEN (toString(JSONType(`funnel_a0`.`properties`, :param_25)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractRaw(`funnel_a0`.`properties`, :param_25) ELSE :param_27 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`
UNION ALL SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a1`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a1` ON `funnel_a1`.`person` = `funnel_step0`.`person`
WHERE `funnel_a1`.`event` = :param_28 AND `funnel_a1`.`person` = `funnel_step0`.`person` AND `funnel_a1`.`ts` >= `funnel_step0`.`t0` AND `funnel_a1`.`ts` <= `funnel_step0`.`t0` + :param_29 AND CASE WHEN (toString(JSONType(`funnel_a1`.`properties`, :param_30)) = :param_31) THEN JSONExtractString(`funnel_a1`.`properties`, :param_30) WHEN (toString(JSONType(`funnel_a1`.`properties`, :param_30)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractRaw(`funnel_a1`.`properties`, :param_30) ELSE :param_32 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`
UNION ALL SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a2`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a2` ON `funnel_a2`.`person` = `funnel_step0`.`person`
WHERE `funnel_a2`.`event` = :param_33 AND `funnel_a2`.`person` = `funnel_step0`.`person` AND `funnel_a2`.`ts` >= `funnel_step0`.`t0` AND `funnel_a2`.`ts` <= `funnel_step0`.`t0` + :param_34 AND CASE WHEN (toString(JSONType(`funnel_a2`.`properties`, :param_35)) = :param_36) THEN JSONExtractString(`funnel_a2`.`properties`, :param_35) WHEN (toString(JSONType(`funnel_a2`.`properties`, :param_35)) IN (__[POSTCOMPILE_toString_4])) THEN JSONExtractRaw(`funnel_a2`.`properties`, :param_35) ELSE :param_37 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`) AS `funnel_done`) AS `funnel_ranked`
GROUP BY `funnel_ranked`.`person`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_3 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_reached`.`t1` AS `t1`, `funnel_reached`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_reached` ON `funnel_reached`.`person` = `funnel_step0`.`person`) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
