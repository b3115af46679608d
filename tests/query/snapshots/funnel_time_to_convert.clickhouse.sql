WITH `funnel_step0` AS (SELECT `funnel_entry_events`.`person` AS `person`, min(`funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_3 AS `m0`
FROM `events`
WHERE `events`.`event` = :param_4 AND `events`.`ts` < :param_5 AND JSONExtractString(`events`.`properties`, :param_6) = :param_7 AND `events`.`ts` >= :param_8) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_9
GROUP BY `funnel_entry_events`.`person`), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_10 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_11
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_12 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_13
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_2 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`) SELECT `funnel_converted`.`grp`, count(`funnel_converted`.`d`) AS `n`, sum(`funnel_converted`.`d`) AS `total`, min(`funnel_converted`.`d`) AS `lo`, max(`funnel_converted`.`d`) AS `hi`, ((medianExactLow(`funnel_converted`.`d`) + medianExactHigh(`funnel_converted`.`d`)) / :param_1) AS `median_d`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`;

WITH `funnel_step0` AS (SELECT `funnel_entry_events`.`person` AS `person`, min(`funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_5 AS `m0`
FROM `events`
WHERE `events`.`event` = :param_6 AND `events`.`ts` < :param_7 AND JSONExtractString(`events`.`properties`, :param_8) = :param_9 AND `events`.`ts` >= :param_10) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_11
GROUP BY `funnel_entry_events`.`person`), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_12 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_13
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_14 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_15
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_4 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`) SELECT `funnel_converted`.`grp`, intDiv(((`funnel_converted`.`d` - :param_1) * :param_2), :param_3) AS `bin`, count(*) AS `n`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t2` - `funnel_people`.`t0` AS `d`
FROM `funnel_people`
WHERE `funnel_people`.`t2` IS NOT NULL) AS `funnel_converted`
GROUP BY `funnel_converted`.`grp`, `bin`;
