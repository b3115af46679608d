SELECT `pairs`.`ev`, `pairs`.`b`, count(*) AS `v`
FROM (SELECT DISTINCT `events`.`event` AS `ev`, intDiv((intDiv((`events`.`ts` + CASE WHEN (`events`.`ts` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) + :param_5), :param_6) AS `b`, `events`.`person` AS `person`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_7 AND `events`.`ts` < :param_8 AND toString(JSONType(`events`.`properties`, :param_9)) = :param_10 AND lower(JSONExtractString(`events`.`properties`, :param_11)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_13) ELSE :param_14 END BETWEEN :param_15 AND :param_16 OR `events`.`city` IS NULL)) AS `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`b`;

SELECT `pairs`.`ev`, count(*) AS `v`
FROM (SELECT DISTINCT `events`.`event` AS `ev`, `events`.`person` AS `person`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_1 AND `events`.`ts` < :param_2 AND toString(JSONType(`events`.`properties`, :param_3)) = :param_4 AND lower(JSONExtractString(`events`.`properties`, :param_5)) IN (__[POSTCOMPILE_lower_1]) AND (CASE WHEN (toString(JSONType(`users`.`traits`, :param_6)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_7) ELSE :param_8 END BETWEEN :param_9 AND :param_10 OR `events`.`city` IS NULL)) AS `pairs`
GROUP BY `pairs`.`ev`;
