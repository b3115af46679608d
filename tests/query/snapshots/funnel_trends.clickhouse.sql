WITH `funnel_step0` AS (SELECT `funnel_entry_events`.`person` AS `person`, min(`funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_8 AS `m0`
FROM `events`
WHERE `events`.`event` = :param_9 AND `events`.`ts` < :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12 AND `events`.`ts` >= :param_13) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_14
GROUP BY `funnel_entry_events`.`person`), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_15 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_16
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_17 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_18
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_7 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`) SELECT `funnel_people`.`grp`, intDiv((intDiv((`funnel_people`.`t0` + CASE WHEN (`funnel_people`.`t0` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) + :param_5), :param_6) AS `b`, count(*) AS `entered`, count(`funnel_people`.`t2`) AS `converted`
FROM `funnel_people`
GROUP BY `funnel_people`.`grp`, `b`;
