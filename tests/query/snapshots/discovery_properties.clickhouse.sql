SELECT kv.1 AS `key`, CASE WHEN (CASE WHEN (toString(JSONType(kv.2)) = :param_1) THEN :param_2 WHEN (toString(JSONType(kv.2)) IN (__[POSTCOMPILE_toString_1])) THEN :param_3 WHEN (toString(JSONType(kv.2)) = :param_4) THEN :param_5 WHEN (toString(JSONType(kv.2)) = :param_6) THEN :param_7 WHEN (toString(JSONType(kv.2)) = :param_8) THEN :param_9 ELSE :param_10 END = :param_11 AND match(CASE WHEN (toString(JSONType(kv.2)) = :param_12) THEN JSONExtractString(kv.2) ELSE :param_13 END, :param_14)) THEN :param_15 ELSE CASE WHEN (toString(JSONType(kv.2)) = :param_1) THEN :param_2 WHEN (toString(JSONType(kv.2)) IN (__[POSTCOMPILE_toString_1])) THEN :param_3 WHEN (toString(JSONType(kv.2)) = :param_4) THEN :param_5 WHEN (toString(JSONType(kv.2)) = :param_6) THEN :param_7 WHEN (toString(JSONType(kv.2)) = :param_8) THEN :param_9 ELSE :param_10 END END AS `type`, count(*) AS `count`
FROM (SELECT `events`.`properties` AS `doc`
FROM `events`
WHERE `events`.`event` = :param_16
ORDER BY `events`.`ts` DESC
LIMIT :param_17) AS `sample` ARRAY
JOIN JSONExtractKeysAndValuesRaw(`sample`.`doc`) AS `kv`
GROUP BY kv.1, `type`
ORDER BY kv.1, `type`;
