WITH `funnel_step0` AS (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`h` AS `h`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`h` AS `h`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, CASE WHEN (toString(JSONType(`events`.`properties`, :param_5)) = :param_6) THEN JSONExtractString(`events`.`properties`, :param_5) WHEN (toString(JSONType(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`events`.`properties`, :param_5) ELSE :param_7 END AS `h`
FROM `events`
WHERE `events`.`event` = :param_8 AND `events`.`ts` < :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11 AND `events`.`ts` >= :param_12) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_13) AS `first_entry`
WHERE `first_entry`.`rn` = :param_14), `funnel_step1` AS (SELECT `funnel_next1`.`person` AS `person`, `funnel_next1`.`t0` AS `t0`, `funnel_next1`.`h` AS `h`, `funnel_next1`.`tq` AS `t1`
FROM (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, `funnel_step0`.`h` AS `h`, CASE WHEN (`funnel_s1`.`event` = :param_15 AND `funnel_s1`.`ts` <= `funnel_step0`.`t0` + :param_16 AND CASE WHEN (toString(JSONType(`funnel_s1`.`properties`, :param_17)) = :param_18) THEN JSONExtractString(`funnel_s1`.`properties`, :param_17) WHEN (toString(JSONType(`funnel_s1`.`properties`, :param_17)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractRaw(`funnel_s1`.`properties`, :param_17) ELSE :param_19 END = `funnel_step0`.`h`) THEN `funnel_s1`.`ts` END AS `tq`, row_number() OVER (PARTITION BY `funnel_step0`.`person`
ORDER BY `funnel_s1`.`ts`, `funnel_s1`.`id`) AS `rn`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_s1` ON `funnel_s1`.`person` = `funnel_step0`.`person` AND `funnel_s1`.`ts` > `funnel_step0`.`t0`
WHERE `funnel_s1`.`event` = :param_20 AND JSONExtractString(`funnel_s1`.`properties`, :param_21) = :param_22 OR `funnel_s1`.`event` = :param_15 OR `funnel_s1`.`event` = :param_23) AS `funnel_next1`
WHERE `funnel_next1`.`rn` = :param_24 AND `funnel_next1`.`tq` IS NOT NULL), `funnel_step2` AS (SELECT `funnel_next2`.`person` AS `person`, `funnel_next2`.`t0` AS `t0`, `funnel_next2`.`t1` AS `t1`, `funnel_next2`.`h` AS `h`, `funnel_next2`.`tq` AS `t2`
FROM (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step1`.`h` AS `h`, CASE WHEN (`funnel_s2`.`event` = :param_25 AND `funnel_s2`.`ts` <= `funnel_step1`.`t0` + :param_26 AND CASE WHEN (toString(JSONType(`funnel_s2`.`properties`, :param_27)) = :param_28) THEN JSONExtractString(`funnel_s2`.`properties`, :param_27) WHEN (toString(JSONType(`funnel_s2`.`properties`, :param_27)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractRaw(`funnel_s2`.`properties`, :param_27) ELSE :param_29 END = `funnel_step1`.`h`) THEN `funnel_s2`.`ts` END AS `tq`, row_number() OVER (PARTITION BY `funnel_step1`.`person`
ORDER BY `funnel_s2`.`ts`, `funnel_s2`.`id`) AS `rn`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_s2` ON `funnel_s2`.`person` = `funnel_step1`.`person` AND `funnel_s2`.`ts` > `funnel_step1`.`t1`
WHERE `funnel_s2`.`event` = :param_30 AND JSONExtractString(`funnel_s2`.`properties`, :param_31) = :param_32 OR `funnel_s2`.`event` = :param_33 OR `funnel_s2`.`event` = :param_25) AS `funnel_next2`
WHERE `funnel_next2`.`rn` = :param_34 AND `funnel_next2`.`tq` IS NOT NULL), `funnel_entered` AS (SELECT `funnel_step0`.`person` AS `person`, :param_3 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`), `funnel_people` AS (SELECT `funnel_entered`.`person` AS `person`, `funnel_entered`.`grp` AS `grp`, `funnel_entered`.`t0` AS `t0`, `funnel_entered`.`t1` AS `t1`, `funnel_entered`.`t2` AS `t2`
FROM `funnel_entered`
WHERE (`funnel_entered`.`person` NOT IN (SELECT DISTINCT `funnel_entered`.`person`
FROM `funnel_entered` INNER
JOIN `events` AS `funnel_x0` ON `funnel_x0`.`person` = `funnel_entered`.`person`
WHERE `funnel_x0`.`event` = :param_35 AND `funnel_x0`.`person` = `funnel_entered`.`person` AND `funnel_x0`.`ts` > `funnel_entered`.`t0` AND (`funnel_entered`.`t2` IS NOT NULL AND `funnel_x0`.`ts` < `funnel_entered`.`t2` OR `funnel_entered`.`t2` IS NULL AND `funnel_x0`.`ts` <= `funnel_entered`.`t0` + :param_36) AND CASE WHEN (toString(JSONType(`funnel_x0`.`properties`, :param_37)) IN (__[POSTCOMPILE_toString_4])) THEN JSONExtractFloat(`funnel_x0`.`properties`, :param_38) ELSE :param_39 END > :param_40))) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
