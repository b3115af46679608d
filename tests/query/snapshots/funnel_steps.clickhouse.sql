WITH `funnel_step0` AS (SELECT `funnel_entry_events`.`person` AS `person`, min(`funnel_entry_events`.`ts`) AS `t0`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, :param_4 AS `m0`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` = :param_5 AND `events`.`ts` < :param_6 AND JSONExtractString(`events`.`properties`, :param_7) = :param_8 AND `events`.`ts` >= :param_9 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_10)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_11) ELSE :param_12 END > :param_13 AND `events`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_14)) AS `funnel_entry_events`
WHERE `funnel_entry_events`.`m0` = :param_15
GROUP BY `funnel_entry_events`.`person`), `funnel_step1` AS (SELECT `funnel_step0`.`person` AS `person`, `funnel_step0`.`t0` AS `t0`, min(`funnel_e1`.`ts`) AS `t1`
FROM `funnel_step0` INNER
JOIN `events` AS `funnel_e1` ON `funnel_e1`.`event` = :param_16 AND `funnel_e1`.`person` = `funnel_step0`.`person` AND `funnel_e1`.`ts` > `funnel_step0`.`t0` AND `funnel_e1`.`ts` <= `funnel_step0`.`t0` + :param_17
LEFT OUTER JOIN `users` AS `funnel_u1` ON `funnel_u1`.`id` = `funnel_e1`.`person`
WHERE CASE WHEN (toString(JSONType(`funnel_u1`.`traits`, :param_18)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`funnel_u1`.`traits`, :param_19) ELSE :param_20 END > :param_21 AND `funnel_e1`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_22)
GROUP BY `funnel_step0`.`person`, `funnel_step0`.`t0`), `funnel_step2` AS (SELECT `funnel_step1`.`person` AS `person`, `funnel_step1`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, min(`funnel_e2`.`ts`) AS `t2`
FROM `funnel_step1` INNER
JOIN `events` AS `funnel_e2` ON `funnel_e2`.`event` = :param_23 AND `funnel_e2`.`person` = `funnel_step1`.`person` AND `funnel_e2`.`ts` > `funnel_step1`.`t1` AND `funnel_e2`.`ts` <= `funnel_step1`.`t0` + :param_24
LEFT OUTER JOIN `users` AS `funnel_u2` ON `funnel_u2`.`id` = `funnel_e2`.`person`
WHERE CASE WHEN (toString(JSONType(`funnel_u2`.`traits`, :param_25)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractFloat(`funnel_u2`.`traits`, :param_26) ELSE :param_27 END > :param_28 AND `funnel_e2`.`person` IN (SELECT `cohort_members`.`person`
FROM `cohort_members`
WHERE `cohort_members`.`cohort_id` = :param_29)
GROUP BY `funnel_step1`.`person`, `funnel_step1`.`t0`, `funnel_step1`.`t1`), `funnel_people` AS (SELECT `funnel_step0`.`person` AS `person`, :param_3 AS `grp`, `funnel_step0`.`t0` AS `t0`, `funnel_step1`.`t1` AS `t1`, `funnel_step2`.`t2` AS `t2`
FROM `funnel_step0`
LEFT OUTER JOIN `funnel_step1` ON `funnel_step1`.`person` = `funnel_step0`.`person`
LEFT OUTER JOIN `funnel_step2` ON `funnel_step2`.`person` = `funnel_step0`.`person`) SELECT `funnel_diffs`.`grp`, count(*) AS `c0`, count(`funnel_diffs`.`d1`) AS `c1`, sum(`funnel_diffs`.`d1`) AS `s1`, count(`funnel_diffs`.`d2`) AS `c2`, sum(`funnel_diffs`.`d2`) AS `s2`, ((medianExactLow(`funnel_diffs`.`d1`) + medianExactHigh(`funnel_diffs`.`d1`)) / :param_1) AS `median_d1`, ((medianExactLow(`funnel_diffs`.`d2`) + medianExactHigh(`funnel_diffs`.`d2`)) / :param_2) AS `median_d2`
FROM (SELECT `funnel_people`.`grp` AS `grp`, `funnel_people`.`t0` AS `t0`, `funnel_people`.`t1` - `funnel_people`.`t0` AS `d1`, `funnel_people`.`t2` - `funnel_people`.`t1` AS `d2`
FROM `funnel_people`) AS `funnel_diffs`
GROUP BY `funnel_diffs`.`grp`;
