SELECT `ranked`.`ev`, `ranked`.`g`
FROM (SELECT `base`.`ev` AS `ev`, `base`.`g` AS `g`, row_number() OVER (PARTITION BY `base`.`ev`
ORDER BY count(*) DESC, `base`.`g` ASC NULLS LAST) AS `rn`
FROM (SELECT :param_1 AS `ev`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_2)) = :param_3) THEN JSONExtractString(`users`.`traits`, :param_2) WHEN (toString(JSONType(`users`.`traits`, :param_2)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_2) ELSE :param_4 END AS `g`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` = :param_5 AND `events`.`ts` >= :param_6 AND `events`.`ts` < :param_7) AS `base`
GROUP BY `base`.`ev`, `base`.`g`) AS `ranked`
WHERE `ranked`.`rn` <= :param_8
ORDER BY `ranked`.`ev`, `ranked`.`rn`;

SELECT :param_1 AS `ev`, CASE :param_1 WHEN :param_2 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_5 END WHEN :param_6 THEN :param_7 ELSE CASE WHEN (CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_5 END IS NULL) THEN :param_8 ELSE :param_9 END END WHEN :param_10 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_5 END WHEN :param_11 THEN :param_12 ELSE :param_13 END ELSE :param_14 END AS `gi`, intDiv((`events`.`ts` + :param_15), :param_16) AS `b`, sum(CASE WHEN (toString(JSONType(`events`.`properties`, :param_17)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`events`.`properties`, :param_18) ELSE :param_19 END) AS `s`, count(CASE WHEN (toString(JSONType(`events`.`properties`, :param_17)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`events`.`properties`, :param_18) ELSE :param_19 END) AS `c`, count(*) AS `n`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` = :param_20 AND `events`.`ts` >= :param_21 AND `events`.`ts` < :param_22
GROUP BY ev, gi, b;
