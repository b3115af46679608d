WITH `retention_births` AS (SELECT `retention_first_births`.`person` AS `person`, `retention_first_births`.`birth` AS `birth`, intDiv((`retention_first_births`.`birth` + CASE WHEN (`retention_first_births`.`birth` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) AS `cohort`, :param_6 AS `grp`
FROM (SELECT `retention_start`.`person` AS `person`, min(`retention_start`.`ts`) AS `birth`
FROM (SELECT `events`.`person` AS `person`, `events`.`ts` AS `ts`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` = :param_7 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_8)) IN (__[POSTCOMPILE_toString_1]) OR toString(JSONType(`users`.`traits`, :param_8)) = :param_9 AND match(JSONExtractString(`users`.`traits`, :param_8), :param_10) AND trimLeft(simpleJSONExtractRaw(`users`.`traits`, :param_8)) = JSONExtractString(`users`.`traits`, :param_8)) THEN JSONExtractFloat(`users`.`traits`, :param_11) ELSE :param_12 END > :param_13 AND JSONExtractString(`events`.`properties`, :param_14) = :param_15) AS `retention_start`
GROUP BY `retention_start`.`person`) AS `retention_first_births`
WHERE `retention_first_births`.`birth` >= :param_16 AND `retention_first_births`.`birth` < :param_17) SELECT `retention_births`.`cohort`, `retention_births`.`grp`, count(*) AS `size`, sum(coalesce(`retention_returns`.`r0`, :param_1)) AS `c0`, sum(coalesce(`retention_returns`.`r1`, :param_1)) AS `c1`, sum(coalesce(`retention_returns`.`r2`, :param_1)) AS `c2`
FROM `retention_births`
LEFT OUTER JOIN (SELECT `retention_births`.`person` AS `person`, `retention_births`.`birth` AS `birth`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_18) = :param_19) THEN :param_20 ELSE :param_21 END) AS `r0`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_18) = :param_22) THEN :param_20 ELSE :param_21 END) AS `r1`, max(CASE WHEN (intDiv((`retention_ret`.`ts` - `retention_births`.`birth`), :param_18) = :param_23) THEN :param_20 ELSE :param_21 END) AS `r2`
FROM `retention_births` INNER
JOIN `events` AS `retention_ret` ON `retention_ret`.`person` = `retention_births`.`person`
LEFT OUTER JOIN `users` AS `retention_ret_u` ON `retention_ret_u`.`id` = `retention_ret`.`person`
WHERE `retention_ret`.`event` IS NOT NULL AND `retention_ret`.`ts` > `retention_births`.`birth` AND `retention_ret`.`ts` < `retention_births`.`birth` + :param_24 AND CASE WHEN (toString(JSONType(`retention_ret_u`.`traits`, :param_25)) IN (__[POSTCOMPILE_toString_2]) OR toString(JSONType(`retention_ret_u`.`traits`, :param_25)) = :param_26 AND match(JSONExtractString(`retention_ret_u`.`traits`, :param_25), :param_27) AND trimLeft(simpleJSONExtractRaw(`retention_ret_u`.`traits`, :param_25)) = JSONExtractString(`retention_ret_u`.`traits`, :param_25)) THEN JSONExtractFloat(`retention_ret_u`.`traits`, :param_28) ELSE :param_29 END > :param_30
GROUP BY `retention_births`.`person`, `retention_births`.`birth`) AS `retention_returns` ON `retention_returns`.`person` = `retention_births`.`person` AND `retention_returns`.`birth` = `retention_births`.`birth`
GROUP BY `retention_births`.`cohort`, `retention_births`.`grp`;
