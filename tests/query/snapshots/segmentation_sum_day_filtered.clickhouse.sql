SELECT :param_1 AS `ev`, intDiv((`events`.`ts` + :param_2), :param_3) AS `b`, sum(CASE WHEN (toString(JSONType(`events`.`properties`, :param_4)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`events`.`properties`, :param_5) ELSE :param_6 END) AS `s`, count(CASE WHEN (toString(JSONType(`events`.`properties`, :param_4)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`events`.`properties`, :param_5) ELSE :param_6 END) AS `c`, count(*) AS `n`
FROM `events`
WHERE `events`.`event` = :param_7 AND `events`.`ts` >= :param_8 AND `events`.`ts` < :param_9 AND JSONExtractString(`events`.`properties`, :param_10) = :param_11
GROUP BY ev, b;
