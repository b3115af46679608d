SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, `users`.`last_seen` AS `_key`
FROM `users`
WHERE JSONExtractString(`users`.`traits`, :param_1) = :param_2 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_4) ELSE :param_5 END > :param_6 AND `users`.`id` IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_7 AND `did_events`.`ts` >= :param_8 AND `did_events`.`ts` < :param_9
GROUP BY `did_events`.`person` HAVING count(*) >= :param_10)
ORDER BY `users`.`last_seen` DESC, `users`.`id` DESC
LIMIT :param_11;

SELECT count(*) AS `n`
FROM `users`
WHERE JSONExtractString(`users`.`traits`, :param_1) = :param_2 AND CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`users`.`traits`, :param_4) ELSE :param_5 END > :param_6 AND `users`.`id` IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_7 AND `did_events`.`ts` >= :param_8 AND `did_events`.`ts` < :param_9
GROUP BY `did_events`.`person` HAVING count(*) >= :param_10);
