SELECT `vals`.`t`, `vals`.`v`, count(*) AS `count`
FROM (SELECT CASE WHEN (NOT JSONHas(`users`.`traits`, :param_1)) THEN :param_2 WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_3) THEN :param_4 WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN :param_5 WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_6) THEN :param_7 WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_8) THEN :param_9 WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_10) THEN :param_11 ELSE :param_12 END AS `t`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_13)) = :param_14) THEN JSONExtractString(`users`.`traits`, :param_13) WHEN (toString(JSONType(`users`.`traits`, :param_13)) = :param_15 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_13), :param_16)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_13), :param_17) WHEN (toString(JSONType(`users`.`traits`, :param_13)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractRaw(`users`.`traits`, :param_13) ELSE :param_18 END AS `v`
FROM `users`) AS `vals`
WHERE `vals`.`v` IS NOT NULL
GROUP BY `vals`.`t`, `vals`.`v`
ORDER BY `count` DESC, `vals`.`t`, `vals`.`v`
LIMIT :param_19;
