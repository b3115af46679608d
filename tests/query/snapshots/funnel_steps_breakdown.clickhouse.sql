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

WITH `funnel_step0` AS (SELECT `first_entry`.`person` AS `person`, `first_entry`.`ts` AS `t0`, `first_entry`.`g` AS `g`
FROM (SELECT `funnel_entry_events`.`person` AS `person`, `funnel_entry_events`.`ts` AS `ts`, `funnel_entry_events`.`g` AS `g`, row_number() OVER (PARTITION BY `funnel_entry_events`.`person`
ORDER BY `funnel_entry_events`.`ts`, `funnel_entry_events`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_7 AS `m0`, `events`.`id` AS `id`, `events`.`city` AS `g`
FROM `events`
WHERE `events`.`event` = :param_8 AND `events`.`ts` < :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11 AND `events`.`ts` >= :param_12) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_13) AS `first_entry`
WHERE `first_entry`.`rn` = :param_14), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_15 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_16
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_17 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_18
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, CASE WHEN (`funnel_step0`.`g` = :param_3) THEN :param_4 WHEN (`funnel_step0`.`g` IS NULL) THEN :param_5 ELSE :param_6 END AS `grp`, `funnel_step0`.`g` AS `g`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`
UNION ALL SELECT :param_19 AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
