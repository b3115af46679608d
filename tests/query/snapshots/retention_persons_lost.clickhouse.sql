WITH `rf1_retention_births` AS (SELECT `rf1_retention_first_births`.`person` AS `person`, `rf1_retention_first_births`.`birth` AS `birth`, intDiv((`rf1_retention_first_births`.`birth` + CASE WHEN (`rf1_retention_first_births`.`birth` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) AS `cohort`, :param_5 AS `grp`
FROM (SELECT `rf1_retention_start`.`person` AS `person`, min(`rf1_retention_start`.`ts`) AS `birth`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`
FROM `events`
WHERE `events`.`event` = :param_6 AND JSONExtractString(`events`.`properties`, :param_7) = :param_8) AS `rf1_retention_start`
GROUP BY `rf1_retention_start`.`person`) AS `rf1_retention_first_births`
WHERE `rf1_retention_first_births`.`birth` >= :param_9 AND `rf1_retention_first_births`.`birth` < :param_10) SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, `users`.`last_seen` AS `_key`
FROM `users`
WHERE `users`.`id` IN (SELECT `rf1_retention_cell`.`person`
FROM (SELECT `rf1_retention_births`.`person` AS `person`, `rf1_retention_births`.`birth` AS `birth`
FROM `rf1_retention_births`
WHERE `rf1_retention_births`.`cohort` = :param_11) AS `rf1_retention_cell`
LEFT OUTER JOIN (SELECT `rf1_retention_cell`.`person` AS `person`, `rf1_retention_cell`.`birth` AS `birth`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_13) THEN :param_14 ELSE :param_15 END) AS `r0`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_16) THEN :param_14 ELSE :param_15 END) AS `r1`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_17) THEN :param_14 ELSE :param_15 END) AS `r2`
FROM (SELECT `rf1_retention_births`.`person` AS `person`, `rf1_retention_births`.`birth` AS `birth`
FROM `rf1_retention_births`
WHERE `rf1_retention_births`.`cohort` = :param_11) AS `rf1_retention_cell` INNER
JOIN `events` AS `rf1_retention_ret` ON `rf1_retention_ret`.`person` = `rf1_retention_cell`.`person`
WHERE `rf1_retention_ret`.`event` IS NOT NULL AND `rf1_retention_ret`.`ts` > `rf1_retention_cell`.`birth` AND `rf1_retention_ret`.`ts` < `rf1_retention_cell`.`birth` + :param_18
GROUP BY `rf1_retention_cell`.`person`, `rf1_retention_cell`.`birth`) AS `rf1_retention_returns` ON `rf1_retention_returns`.`person` = `rf1_retention_cell`.`person` AND `rf1_retention_returns`.`birth` = `rf1_retention_cell`.`birth`
WHERE coalesce(`rf1_retention_returns`.`r1`, :param_19) = :param_20)
ORDER BY `users`.`last_seen` DESC, `users`.`id` DESC
LIMIT :param_21;

WITH `rf1_retention_births` AS (SELECT `rf1_retention_first_births`.`person` AS `person`, `rf1_retention_first_births`.`birth` AS `birth`, intDiv((`rf1_retention_first_births`.`birth` + CASE WHEN (`rf1_retention_first_births`.`birth` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) AS `cohort`, :param_5 AS `grp`
FROM (SELECT `rf1_retention_start`.`person` AS `person`, min(`rf1_retention_start`.`ts`) AS `birth`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`
FROM `events`
WHERE `events`.`event` = :param_6 AND JSONExtractString(`events`.`properties`, :param_7) = :param_8) AS `rf1_retention_start`
GROUP BY `rf1_retention_start`.`person`) AS `rf1_retention_first_births`
WHERE `rf1_retention_first_births`.`birth` >= :param_9 AND `rf1_retention_first_births`.`birth` < :param_10) SELECT count(*) AS `n`
FROM `users`
WHERE `users`.`id` IN (SELECT `rf1_retention_cell`.`person`
FROM (SELECT `rf1_retention_births`.`person` AS `person`, `rf1_retention_births`.`birth` AS `birth`
FROM `rf1_retention_births`
WHERE `rf1_retention_births`.`cohort` = :param_11) AS `rf1_retention_cell`
LEFT OUTER JOIN (SELECT `rf1_retention_cell`.`person` AS `person`, `rf1_retention_cell`.`birth` AS `birth`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_13) THEN :param_14 ELSE :param_15 END) AS `r0`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_16) THEN :param_14 ELSE :param_15 END) AS `r1`, max(CASE WHEN (intDiv((`rf1_retention_ret`.`ts` - `rf1_retention_cell`.`birth`), :param_12) = :param_17) THEN :param_14 ELSE :param_15 END) AS `r2`
FROM (SELECT `rf1_retention_births`.`person` AS `person`, `rf1_retention_births`.`birth` AS `birth`
FROM `rf1_retention_births`
WHERE `rf1_retention_births`.`cohort` = :param_11) AS `rf1_retention_cell` INNER
JOIN `events` AS `rf1_retention_ret` ON `rf1_retention_ret`.`person` = `rf1_retention_cell`.`person`
WHERE `rf1_retention_ret`.`event` IS NOT NULL AND `rf1_retention_ret`.`ts` > `rf1_retention_cell`.`birth` AND `rf1_retention_ret`.`ts` < `rf1_retention_cell`.`birth` + :param_18
GROUP BY `rf1_retention_cell`.`person`, `rf1_retention_cell`.`birth`) AS `rf1_retention_returns` ON `rf1_retention_returns`.`person` = `rf1_retention_cell`.`person` AND `rf1_retention_returns`.`birth` = `rf1_retention_cell`.`birth`
WHERE coalesce(`rf1_retention_returns`.`r1`, :param_19) = :param_20);
