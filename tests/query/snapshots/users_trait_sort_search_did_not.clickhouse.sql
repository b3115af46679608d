SELECT `users`.`id`, `users`.`traits`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN :param_2 WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN :param_7 ELSE :param_8 END AS `_rank`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_9)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`users`.`traits`, :param_10) ELSE :param_11 END AS `_num`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) = :param_13) THEN JSONExtractString(`users`.`traits`, :param_12) WHEN (toString(JSONType(`users`.`traits`, :param_12)) = :param_14 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_12), :param_15)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_12), :param_16) WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractRaw(`users`.`traits`, :param_12) ELSE :param_17 END END AS `_txt`
FROM `users`
WHERE ((`users`.`id` NOT IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_18
GROUP BY `did_events`.`person` HAVING count(*) > :param_19)) OR (`users`.`id` NOT IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_20
GROUP BY `did_events`.`person` HAVING count(*) > :param_21))) AND (`users`.`id` = :param_22 OR `users`.`id` IN (SELECT `identities`.`person`
FROM `identities`
WHERE `identities`.`distinct_id` = :param_23) OR startsWith(`users`.`email`, :param_24)) AND (CASE WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN :param_2 WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN :param_7 ELSE :param_8 END > :param_25 OR CASE WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN :param_2 WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN :param_7 ELSE :param_8 END = :param_26 AND (CASE WHEN (toString(JSONType(`users`.`traits`, :param_9)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`users`.`traits`, :param_10) ELSE :param_11 END > :param_27 OR CASE WHEN (toString(JSONType(`users`.`traits`, :param_9)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`users`.`traits`, :param_10) ELSE :param_11 END = :param_28 AND `users`.`id` > :param_29))
ORDER BY CASE WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN :param_2 WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN :param_7 ELSE :param_8 END ASC, CASE WHEN (toString(JSONType(`users`.`traits`, :param_9)) IN (__[POSTCOMPILE_toString_2])) THEN JSONExtractFloat(`users`.`traits`, :param_10) ELSE :param_11 END ASC, CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4 OR toString(JSONType(`users`.`traits`, :param_5)) = :param_6) THEN CASE WHEN (toString(JSONType(`users`.`traits`, :param_12)) = :param_13) THEN JSONExtractString(`users`.`traits`, :param_12) WHEN (toString(JSONType(`users`.`traits`, :param_12)) = :param_14 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_12), :param_15)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_12), :param_16) WHEN (toString(JSONType(`users`.`traits`, :param_12)) IN (__[POSTCOMPILE_toString_3])) THEN JSONExtractRaw(`users`.`traits`, :param_12) ELSE :param_17 END END ASC, `users`.`id` ASC
LIMIT :param_30;

SELECT count(*) AS `n`
FROM `users`
WHERE ((`users`.`id` NOT IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_1
GROUP BY `did_events`.`person` HAVING count(*) > :param_2)) OR (`users`.`id` NOT IN (SELECT `did_events`.`person`
FROM `events` AS `did_events`
WHERE `did_events`.`event` = :param_3
GROUP BY `did_events`.`person` HAVING count(*) > :param_4))) AND (`users`.`id` = :param_5 OR `users`.`id` IN (SELECT `identities`.`person`
FROM `identities`
WHERE `identities`.`distinct_id` = :param_6) OR startsWith(`users`.`email`, :param_7));
