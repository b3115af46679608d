SELECT `retention_first_births`.`g` AS `g`, count(*) AS `n`
FROM (SELECT `retention_first`.`person` AS `person`, `retention_first`.`ts` AS `birth`, `retention_first`.`g` AS `g`
FROM (SELECT `retention_start`.`person` AS `person`, `retention_start`.`ts` AS `ts`, `retention_start`.`g` AS `g`, row_number() OVER (PARTITION BY `retention_start`.`person`
ORDER BY `retention_start`.`ts`, `retention_start`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, `events`.`id` AS `id`, `events`.`city` AS `g`
FROM `events`
WHERE `events`.`event` = :param_1 AND JSONExtractString(`events`.`properties`, :param_2) = :param_3) AS `retention_start`) AS `retention_first`
WHERE `retention_first`.`rn` = :param_4) AS `retention_first_births`
WHERE `retention_first_births`.`birth` >= :param_5 AND `retention_first_births`.`birth` < :param_6
GROUP BY `retention_first_births`.`g`
ORDER BY `n` DESC, `retention_first_births`.`g` ASC NULLS LAST
LIMIT :param_7;

WITH `retention_births` AS (SELECT `retention_first_births`.`person` AS `person`, `retention_first_births`.`birth` AS `birth`, intDiv((`retention_first_births`.`birth` + CASE WHEN (`retention_first_births`.`birth` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) AS `cohort`, CASE WHEN (`retention_first_births`.`g` = :param_6) THEN :param_7 WHEN (`retention_first_births`.`g` IS NULL) THEN :param_8 ELSE :param_9 END AS `grp`
FROM (SELECT `retention_first`.`person` AS `person`, `retention_first`.`ts` AS `birth`, `retention_first`.`g` AS `g`
FROM (SELECT `retention_start`.`person` AS `person`, `retention_start`.`ts` AS `ts`, `retention_start`.`g` AS `g`, row_number() OVER (PARTITION BY `retention_start`.`person`
ORDER BY `retention_start`.`ts`, `retention_start`.`id`) AS `rn`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`, `events`.`id` AS `id`, `events`.`city` AS `g`
FROM `events`
WHERE `events`.`event` = :param_10 AND JSONExtractString(`events`.`properties`, :param_11) = :param_12) AS `retention_start`) AS `retention_first`
WHERE `retention_first`.`rn` = :param_13) AS `retention_first_births`
WHERE `retention_first_births`.`birth` >= :param_14 AND `retention_first_births`.`birth` < :param_15) SELECT `retention_births`.`cohort`, `retention_births`.`grp`, count(*) AS `size`, sum(coalesce(`retention_returns`.`r0`, :param_1)) AS `c0`, sum(coalesce(`retention_returns`.`r1`, :param_1)) AS `c1`, sum(coalesce(`retention_returns`.`r2`, :param_1)) AS `c2`
FROM `retention_births`
LEFT OUTER JOIN (SELECT `retention_births`.`person` AS `person`, `retention_births`.`birth` AS `birth`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_16) = :param_17) THEN :param_18 ELSE :param_19 END) AS `r0`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_16) = :param_20) THEN :param_18 ELSE :param_19 END) AS `r1`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_16) = :param_21) THEN :param_18 ELSE :param_19 END) AS `r2`
FROM `retention_births` INNER
JOIN `events` AS `retention_ret` ON `retention_ret`.`person` = `retention_births`.`person`
WHERE `retention_ret`.`event` IS NOT NULL AND `retention_ret`.`ts` > `retention_births`.`birth` AND `retention_ret`.`ts` < `retention_births`.`birth` + :param_22
GROUP BY `retention_births`.`person`, `retention_births`.`birth`) AS `retention_returns` ON `retention_returns`.`person` = `retention_births`.`person` AND `retention_returns`.`birth` = `retention_births`.`birth`
GROUP BY `retention_births`.`cohort`, `retention_births`.`grp`;
