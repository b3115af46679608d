WITH `ff1_funnel_step0` AS (SELECT `ff1_funnel_entry_events`.`person` AS `person`, min(`ff1_funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_2 AS `m0`
FROM `events`
WHERE `events`.`event` = :param_3 AND `events`.`ts` < :param_4 AND JSONExtractString(`events`.`properties`, :param_5) = :param_6 AND `events`.`ts` >= :param_7) AS `ff1_funnel_entry_events`
WHERE `ff1_funnel_entry_events`.`m0` = :param_8
GROUP BY `ff1_funnel_entry_events`.`person`), `ff1_funnel_step1` AS (SELECT `ff1_funnel_step0`.`person` AS `person`, `ff1_funnel_step0`.`t0` AS `t0`, min(`ff1_funnel_e1`.`ts`) AS `t1`
FROM `ff1_funnel_step0` INNER
JOIN `events` AS `ff1_funnel_e1` ON `ff1_funnel_e1`.`event` = :param_9 AND `ff1_funnel_e1`.`person` = `ff1_funnel_step0`.`person` AND `ff1_funnel_e1`.`ts` > `ff1_funnel_step0`.`t0` AND `ff1_funnel_e1`.`ts` <= `ff1_funnel_step0`.`t0` + :param_10
GROUP BY `ff1_funnel_step0`.`person`, `ff1_funnel_step0`.`t0`), `ff1_funnel_step2` AS (SELECT `ff1_funnel_step1`.`person` AS `person`, `ff1_funnel_step1`.`t0` AS `t0`, `ff1_funnel_step1`.`t1` AS `t1`, min(`ff1_funnel_e2`.`ts`) AS `t2`
FROM `ff1_funnel_step1` INNER
JOIN `events` AS `ff1_funnel_e2` ON `ff1_funnel_e2`.`event` = :param_11 AND `ff1_funnel_e2`.`person` = `ff1_funnel_step1`.`person` AND `ff1_funnel_e2`.`ts` > `ff1_funnel_step1`.`t1` AND `ff1_funnel_e2`.`ts` <= `ff1_funnel_step1`.`t0` + :param_12
GROUP BY `ff1_funnel_step1`.`person`, `ff1_funnel_step1`.`t0`, `ff1_funnel_step1`.`t1`), `ff1_funnel_people` AS (SELECT `ff1_funnel_step0`.`person` AS `person`, :param_1 AS `grp`, `ff1_funnel_step0`.`t0` AS `t0`, `ff1_funnel_step1`.`t1` AS `t1`, `ff1_funnel_step2`.`t2` AS `t2`
FROM `ff1_funnel_step0`
LEFT OUTER JOIN `ff1_funnel_step1` ON `ff1_funnel_step1`.`person` = `ff1_funnel_step0`.`person`
LEFT OUTER JOIN `ff1_funnel_step2` ON `ff1_funnel_step2`.`person` = `ff1_funnel_step0`.`person`) SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, `users`.`last_seen` AS `_key`
FROM `users`
WHERE `users`.`id` IN (SELECT `ff1_funnel_people`.`person`
FROM `ff1_funnel_people`
WHERE `ff1_funnel_people`.`t1` IS NOT NULL AND `ff1_funnel_people`.`t2` IS NULL) AND (`users`.`last_seen` < :param_13 OR `users`.`last_seen` = :param_14 AND `users`.`id` < :param_15)
ORDER BY `users`.`last_seen` DESC, `users`.`id` DESC
LIMIT :param_16;

WITH `ff1_funnel_step0` AS (SELECT `ff1_funnel_entry_events`.`person` AS `person`, min(`ff1_funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_2 AS `m0`
FROM `events`
WHERE `events`.`event` = :param_3 AND `events`.`ts` < :param_4 AND JSONExtractString(`events`.`properties`, :param_5) = :param_6 AND `events`.`ts` >= :param_7) AS `ff1_funnel_entry_events`
WHERE `ff1_funnel_entry_events`.`m0` = :param_8
GROUP BY `ff1_funnel_entry_events`.`person`), `ff1_funnel_step1` AS (SELECT `ff1_funnel_step0`.`person` AS `person`, `ff1_funnel_step0`.`t0` AS `t0`, min(`ff1_funnel_e1`.`ts`) AS `t1`
FROM `ff1_funnel_step0` INNER
JOIN `events` AS `ff1_funnel_e1` ON `ff1_funnel_e1`.`event` = :param_9 AND `ff1_funnel_e1`.`person` = `ff1_funnel_step0`.`person` AND `ff1_funnel_e1`.`ts` > `ff1_funnel_step0`.`t0` AND `ff1_funnel_e1`.`ts` <= `ff1_funnel_step0`.`t0` + :param_10
GROUP BY `ff1_funnel_step0`.`person`, `ff1_funnel_step0`.`t0`), `ff1_funnel_step2` AS (SELECT `ff1_funnel_step1`.`person` AS `person`, `ff1_funnel_step1`.`t0` AS `t0`, `ff1_funnel_step1`.`t1` AS `t1`, min(`ff1_funnel_e2`.`ts`) AS `t2`
FROM `ff1_funnel_step1` INNER
JOIN `events` AS `ff1_funnel_e2` ON `ff1_funnel_e2`.`event` = :param_11 AND `ff1_funnel_e2`.`person` = `ff1_funnel_step1`.`person` AND `ff1_funnel_e2`.`ts` > `ff1_funnel_step1`.`t1` AND `ff1_funnel_e2`.`ts` <= `ff1_funnel_step1`.`t0` + :param_12
GROUP BY `ff1_funnel_step1`.`person`, `ff1_funnel_step1`.`t0`, `ff1_funnel_step1`.`t1`), `ff1_funnel_people` AS (SELECT `ff1_funnel_step0`.`person` AS `person`, :param_1 AS `grp`, `ff1_funnel_step0`.`t0` AS `t0`, `ff1_funnel_step1`.`t1` AS `t1`, `ff1_funnel_step2`.`t2` AS `t2`
FROM `ff1_funnel_step0`
LEFT OUTER JOIN `ff1_funnel_step1` ON `ff1_funnel_step1`.`person` = `ff1_funnel_step0`.`person`
LEFT OUTER JOIN `ff1_funnel_step2` ON `ff1_funnel_step2`.`person` = `ff1_funnel_step0`.`person`) SELECT count(*) AS `n`
FROM `users`
WHERE `users`.`id` IN (SELECT `ff1_funnel_people`.`person`
FROM `ff1_funnel_people`
WHERE `ff1_funnel_people`.`t1` IS NOT NULL AND `ff1_funnel_people`.`t2` IS NULL);
