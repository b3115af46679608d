WITH `retention_births` AS (SELECT `retention_first_births`.`person` AS `person`, `retention_first_births`.`birth` AS `birth`, intDiv((intDiv((`retention_first_births`.`birth` + CASE WHEN (`retention_first_births`.`birth` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) + :param_6), :param_7) AS `cohort`, :param_8 AS `grp`
FROM (SELECT `retention_keyed`.`person` AS `person`, min(`retention_keyed`.`ts`) AS `birth`
FROM (SELECT `retention_start`.`person` AS `person`, intDiv((intDiv((`retention_start`.`ts` + CASE WHEN (`retention_start`.`ts` < :param_9) THEN :param_10 ELSE :param_11 END), :param_12) + :param_13), :param_14) AS `cohort`, `retention_start`.`ts` AS `ts`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`
FROM `events`
WHERE `events`.`event` = :param_15 AND JSONExtractString(`events`.`properties`, :param_16) = :param_17 AND `events`.`ts` >= :param_18 AND `events`.`ts` < :param_19) AS `retention_start`) AS `retention_keyed`
GROUP BY `retention_keyed`.`person`, `retention_keyed`.`cohort`) AS `retention_first_births`
WHERE `retention_first_births`.`birth` >= :param_20 AND `retention_first_births`.`birth` < :param_21) SELECT `retention_births`.`cohort`, `retention_births`.`grp`, count(*) AS `size`, sum(coalesce(`retention_returns`.`r0`, :param_1)) AS `c0`, sum(coalesce(`retention_returns`.`r1`, :param_1)) AS `c1`, sum(coalesce(`retention_returns`.`r2`, :param_1)) AS `c2`
FROM `retention_births`
LEFT OUTER JOIN (SELECT `retention_births`.`person` AS `person`, `retention_births`.`birth` AS `birth`, :param_22 AS `r0`, CASE WHEN (max(`retention_ret`.`ts`) >= `retention_births`.`birth` + :param_23) THEN :param_22 ELSE :param_24 END AS `r1`, CASE WHEN (max(`retention_ret`.`ts`) >= `retention_births`.`birth` + :param_25) THEN :param_22 ELSE :param_24 END AS `r2`
FROM `retention_births` INNER
JOIN `events` AS `retention_ret` ON `retention_ret`.`person` = `retention_births`.`person`
WHERE `retention_ret`.`event` = :param_26 AND `retention_ret`.`ts` > `retention_births`.`birth`
GROUP BY `retention_births`.`person`, `retention_births`.`birth`) AS `retention_returns` ON `retention_returns`.`person` = `retention_births`.`person` AND `retention_returns`.`birth` = `retention_births`.`birth`
GROUP BY `retention_births`.`cohort`, `retention_births`.`grp`;
