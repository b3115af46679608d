SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, `users`.`last_seen` AS `_key`
FROM `users`
WHERE JSONExtractString(`users`.`traits`, :param_1) = :param_2 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1]) OR toString(JSONType(`users`.`traits`, :param_3)) = :param_4 AND match(JSONExtractString(`users`.`traits`, :param_3), :param_5) AND trimLeft(simpleJSONExtractRaw(`users`.`traits`, :param_3)) = JSONExtractString(`users`.`traits`, :param_3)) THEN JSONExtractFloat(`users`.`traits`, :param_6) ELSE :param_7 END > :param_8 AND `users`.`id` IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_9 AND `did_events`.`ts` >= :param_10 AND `did_events`.`ts` < :param_11
GROUP BY `did_events`.`person` HAVING count(*) >= :param_12)
ORDER BY `users`.`last_seen` DESC, `users`.`id` DESC
LIMIT :param_13;

SELECT count(*) AS `n`
FROM `users`
WHERE JSONExtractString(`users`.`traits`, :param_1) = :param_2 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1]) OR toString(JSONType(`users`.`traits`, :param_3)) = :param_4 AND match(JSONExtractString(`users`.`traits`, :param_3), :param_5) AND trimLeft(simpleJSONExtractRaw(`users`.`traits`, :param_3)) = JSONExtractString(`users`.`traits`, :param_3)) THEN JSONExtractFloat(`users`.`traits`, :param_6) ELSE :param_7 END > :param_8 AND `users`.`id` IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_9 AND `did_events`.`ts` >= :param_10 AND `did_events`.`ts` < :param_11
GROUP BY `did_events`.`person` HAVING count(*) >= :param_12);
