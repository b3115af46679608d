WITH `pairs` AS (SELECT DISTINCT `events`.`event` AS `ev`, intDiv((intDiv((`events`.`ts` + CASE WHEN (`events`.`ts` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) + :param_6), :param_7) AS `b`, `events`.`person` AS `person`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_8 AND `events`.`ts` < :param_9 AND toString(JSONType(`events`.`properties`, :param_10)) = :param_11 AND NOT (match(JSONExtractString(`events`.`properties`, :param_10), :param_12) AND trimLeft(simpleJSONExtractRaw(`events`.`properties`, :param_10)) = JSONExtractString(`events`.`properties`, :param_10)) AND lower(JSONExtractString(`events`.`properties`, :param_13)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (toString(JSONType(`users`.`traits`, :param_14)) IN (__[POSTCOMPILE_toString_1]) OR toString(JSONType(`users`.`traits`, :param_14)) = :param_15 AND match(JSONExtractString(`users`.`traits`, :param_14), :param_16) AND trimLeft(simpleJSONExtractRaw(`users`.`traits`, :param_14)) = JSONExtractString(`users`.`traits`, :param_14)) THEN JSONExtractFloat(`users`.`traits`, :param_17) ELSE :param_18 END BETWEEN :param_19 AND :param_20 OR `events`.`city` IS NULL)) SELECT `pairs`.`ev`, `pairs`.`b`, :param_1 AS `whole`, count(*) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`b`
UNION ALL SELECT `pairs`.`ev`, min(`pairs`.`b`) AS `b`, :param_21 AS `whole`, count(DISTINCT `pairs`.`person`) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`;
