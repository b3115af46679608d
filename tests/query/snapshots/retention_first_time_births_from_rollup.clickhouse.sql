WITH `retention_births` AS (SELECT `retention_first_births`.`person` AS `person`, `retention_first_births`.`birth` AS `birth`, intDiv((`retention_first_births`.`birth` + CASE WHEN (`retention_first_births`.`birth` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) AS `cohort`, :param_6 AS `grp`
FROM (SELECT `retention_start`.`person` AS `person`, min(`retention_start`.`ts`) AS `birth`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`
FROM `events`
WHERE `events`.`event` = :param_7) AS `retention_start`
GROUP BY `retention_start`.`person`) AS `retention_first_births`
WHERE `retention_first_births`.`birth` >= :param_8 AND `retention_first_births`.`birth` < :param_9) SELECT `retention_births`.`cohort`, `retention_births`.`grp`, count(*) AS `size`, sum(coalesce(`retention_returns`.`r0`, :param_1)) AS `c0`, sum(coalesce(`retention_returns`.`r1`, :param_1)) AS `c1`, sum(coalesce(`retention_returns`.`r2`, :param_1)) AS `c2`
FROM `retention_births`
LEFT OUTER JOIN (SELECT `retention_births`.`person` AS `person`, `retention_births`.`birth` AS `birth`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_10) = :param_11) THEN :param_12 ELSE :param_13 END) AS `r0`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_10) = :param_14) THEN :param_12 ELSE :param_13 END) AS `r1`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_10) = :param_15) THEN :param_12 ELSE :param_13 END) AS `r2`
FROM `retention_births` INNER
JOIN `events` AS `retention_ret` ON `retention_ret`.`person` = `retention_births`.`person`
WHERE `retention_ret`.`event` IS NOT NULL AND `retention_ret`.`ts` > `retention_births`.`birth` AND `retention_ret`.`ts` < `retention_births`.`birth` + :param_16
GROUP BY `retention_births`.`person`, `retention_births`.`birth`) AS `retention_returns` ON `retention_returns`.`person` = `retention_births`.`person` AND `retention_returns`.`birth` = `retention_births`.`birth`
GROUP BY `retention_births`.`cohort`, `retention_births`.`grp`;
