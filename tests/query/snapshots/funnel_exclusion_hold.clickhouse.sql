WITH `funnel_step0` AS (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`h` AS `h`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`h` AS `h`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`, `events`.`id` AS `id`, `events`.`browser` AS `h`
FROM `events`
WHERE `events`.`event` = :param_5 AND `events`.`ts` < :param_6 AND JSONExtractString(`events`.`properties`, :param_7) = :param_8 AND `events`.`ts` >= :param_9) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_10) AS `first_entry`
WHERE `first_entry`.`rn` = :param_11), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, `funnel_step0`.`h` AS `h`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_12 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_13 AND `funnel_e1`.`browser` = `funnel_step0`.`h`
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`, `funnel_step0`.`h`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step1`.`h` AS `h`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_14 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_15 AND `funnel_e2`.`browser` = `funnel_step1`.`h`
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`, `funnel_step1`.`h`), `funnel_entered` AS (SELECT `funnel_step0`.`person` AS `person`, :param_3 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`), `funnel_people` AS (SELECT `funnel_entered`.`person` AS `person`, `funnel_entered`.`grp` AS `grp`, `funnel_entered`.`t0` AS `t0`, `funnel_entered`.`t1` AS `t1`, `funnel_entered`.`t2` AS `t2`
FROM `funnel_entered`
WHERE (`funnel_entered`.`person` NOT IN (SELECT DISTINCT `funnel_entered`.`person`
FROM `funnel_entered` INNER
JOIN `events` AS `funnel_x0` ON `funnel_x0`.`person` = `funnel_entered`.`person`
WHERE `funnel_x0`.`event` = :param_16 AND `funnel_x0`.`person` = `funnel_entered`.`person` AND `funnel_x0`.`ts` > `funnel_entered`.`t1` AND (`funnel_entered`.`t2` IS NOT NULL AND `funnel_x0`.`ts` < `funnel_entered`.`t2` OR `funnel_entered`.`t2` IS NULL AND `funnel_x0`.`ts` <= `funnel_entered`.`t0` + :param_17)))) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
