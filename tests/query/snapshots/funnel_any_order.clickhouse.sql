WITH `funnel_step0` AS (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`h` AS `h`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`h` AS `h`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_7 AND NOT match(JSONExtractRaw(`events`.`properties`, :param_5), :param_8)) THEN concat(JSONExtractRaw(`events`.`properties`, :param_5), :param_9) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_10 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_11 AND `events`.`ts` < :param_12 AND `events`.`ts` >= :param_13 AND JSONExtractString(`events`.`properties`, :param_14) = :param_15
UNION ALL SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_7 AND NOT match(JSONExtractRaw(`events`.`properties`, :param_5), :param_8)) THEN concat(JSONExtractRaw(`events`.`properties`, :param_5), :param_9) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_10 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_16 AND `events`.`ts` < :param_17 AND `events`.`ts` >= :param_13
UNION ALL SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_7 AND NOT match(JSONExtractRaw(`events`.`properties`, :param_5), :param_8)) THEN concat(JSONExtractRaw(`events`.`properties`, :param_5), :param_9) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_10 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_18 AND `events`.`ts` < :param_19 AND `events`.`ts` >= :param_13) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_20) AS `first_entry`
WHERE `first_entry`.`rn` = :param_21), `funnel_reached` AS (SELECT `funnel_ranked`.`person` AS `person`, max(CASE WHEN (`funnel_ranked`.`rn` = :param_22) THEN `funnel_ranked`.`f` END) AS `t1`, max(CASE WHEN (`funnel_ranked`.`rn` = :param_23) THEN `funnel_ranked`.`f` END) AS `t2`
FROM (SELECT `funnel_done`.`person` AS `person`, `funnel_done`.`f` AS `f`, row_number() OVER (PARTITION BY `funnel_done`.`person`
ORDER BY `funnel_done`.`f`) AS `rn`
FROM (SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a0`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a0` ON `funnel_a0`.`person` = `funnel_step0`.`person`
WHERE `funnel_a0`.`event` = :param_24 AND `funnel_a0`.`person` = `funnel_step0`.`person` AND `funnel_a0`.`ts` >= `funnel_step0`.`t0` AND `funnel_a0`.`ts` <= `funnel_step0`.`t0` + :param_25 AND JSONExtractString(`funnel_a0`.`properties`, :param_26) = :param_27 AND CASE WHEN (toString(JSONType(`funnel_a0`.`properties`, :param_28)) = :param_29) THEN JSONExtractString(`funnel_a0`.`properties`, :param_28) WHEN (toString(JSONType(`funnel_a0`.`properties`, :param_28)) = :param_30 AND NOT match(JSONExtractRaw(`funnel_a0`.`properties`, :param_28), :param_31)) THEN concat(JSONExtractRaw(`funnel_a0`.`properties`, :param_28), :param_32) WHEN (toString(JSONType(`funnel_a0`.`properties`, :param_28)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractRaw(`funnel_a0`.`properties`, :param_28) ELSE :param_33 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`
UNION ALL SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a1`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a1` ON `funnel_a1`.`person` = `funnel_step0`.`person`
WHERE `funnel_a1`.`event` = :param_34 AND `funnel_a1`.`person` = `funnel_step0`.`person` AND `funnel_a1`.`ts` >= `funnel_step0`.`t0` AND `funnel_a1`.`ts` <= `funnel_step0`.`t0` + :param_35 AND CASE WHEN (toString(JSONType(`funnel_a1`.`properties`, :param_36)) = :param_37) THEN JSONExtractString(`funnel_a1`.`properties`, :param_36) WHEN (toString(JSONType(`funnel_a1`.`properties`, :param_36)) = :param_38 AND NOT match(JSONExtractRaw(`funnel_a1`.`properties`, :param_36), :param_39)) THEN concat(JSONExtractRaw(`funnel_a1`.`properties`, :param_36), :param_40) WHEN (toString(JSONType(`funnel_a1`.`properties`, :param_36)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractRaw(`funnel_a1`.`properties`, :param_36) ELSE :param_41 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`
UNION ALL SELECT `funnel_step0`.`person` AS `person`, min(`funnel_a2`.`ts`) AS `f`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_a2` ON `funnel_a2`.`person` = `funnel_step0`.`person`
WHERE `funnel_a2`.`event` = :param_42 AND `funnel_a2`.`person` = `funnel_step0`.`person` AND `funnel_a2`.`ts` >= `funnel_step0`.`t0` AND `funnel_a2`.`ts` <= `funnel_step0`.`t0` + :param_43 AND CASE WHEN (toString(JSONType(`funnel_a2`.`properties`, :param_44)) = :param_45) THEN JSONExtractString(`funnel_a2`.`properties`, :param_44) WHEN (toString(JSONType(`funnel_a2`.`properties`, :param_44)) = :param_46 AND NOT match(JSONExtractRaw(`funnel_a2`.`properties`, :param_44), :param_47)) THEN concat(JSONExtractRaw(`funnel_a2`.`properties`, :param_44), :param_48) WHEN (toString(JSONType(`funnel_a2`.`properties`, :param_44)) IN (__[POSTCOMPILE_toString_4])) THEN JSONExtractRaw(`funnel_a2`.`properties`, :param_44) ELSE :param_49 END = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`) AS `funnel_done`) AS `funnel_ranked`
GROUP BY `funnel_ranked`.`person`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_3 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_reached`.`t1` AS `t1`, `funnel_reached`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_reached` ON `funnel_reached`.`person` = `funnel_step0`.`person`) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
