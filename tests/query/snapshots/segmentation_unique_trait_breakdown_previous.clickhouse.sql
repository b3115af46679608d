SELECT `ranked`.`ev`, `ranked`.`g`
FROM (SELECT `base`.`ev` AS `ev`, `base`.`g` AS `g`, row_number() OVER (PARTITION BY `base`.`ev`
ORDER BY count(*) DESC, `base`.`g` ASC NULLS LAST) AS `rn`
FROM (SELECT `events`.`event` AS `ev`, CASE WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_2) THEN JSONExtractString(`users`.`traits`, :param_1) WHEN (toString(JSONType(`users`.`traits`, :param_1)) = :param_3 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_1), :param_4)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_1), :param_5) WHEN (toString(JSONType(`users`.`traits`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_1) ELSE :param_6 END AS `g`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_7 AND `events`.`ts` < :param_8) AS `base`
GROUP BY `base`.`ev`, `base`.`g`) AS `ranked`
WHERE `ranked`.`rn` <= :param_9
ORDER BY `ranked`.`ev`, `ranked`.`rn`;

WITH `pairs` AS (SELECT DISTINCT `events`.`event` AS `ev`, CASE `events`.`event` WHEN :param_2 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END WHEN :param_9 THEN :param_10 ELSE CASE WHEN (CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END IS NULL) THEN :param_11 ELSE :param_12 END END WHEN :param_13 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END WHEN :param_14 THEN :param_15 ELSE :param_16 END ELSE :param_17 END AS `gi`, intDiv((`events`.`ts` + :param_18), :param_19) AS `b`, `events`.`person` AS `person`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_20 AND `events`.`ts` < :param_21) SELECT `pairs`.`ev`, `pairs`.`gi`, `pairs`.`b`, :param_1 AS `whole`, count(*) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`gi`, `pairs`.`b`
UNION ALL SELECT `pairs`.`ev`, `pairs`.`gi`, min(`pairs`.`b`) AS `b`, :param_22 AS `whole`, count(DISTINCT `pairs`.`person`) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`gi`;

WITH `pairs` AS (SELECT DISTINCT `events`.`event` AS `ev`, CASE `events`.`event` WHEN :param_2 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END WHEN :param_9 THEN :param_10 ELSE CASE WHEN (CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END IS NULL) THEN :param_11 ELSE :param_12 END END WHEN :param_13 THEN CASE CASE WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_4) THEN JSONExtractString(`users`.`traits`, :param_3) WHEN (toString(JSONType(`users`.`traits`, :param_3)) = :param_5 AND NOT match(JSONExtractRaw(`users`.`traits`, :param_3), :param_6)) THEN concat(JSONExtractRaw(`users`.`traits`, :param_3), :param_7) WHEN (toString(JSONType(`users`.`traits`, :param_3)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractRaw(`users`.`traits`, :param_3) ELSE :param_8 END WHEN :param_14 THEN :param_15 ELSE :param_16 END ELSE :param_17 END AS `gi`, intDiv((`events`.`ts` + :param_18), :param_19) AS `b`, `events`.`person` AS `person`
FROM `events`
LEFT OUTER JOIN `users` ON `users`.`id` = `events`.`person`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_20 AND `events`.`ts` < :param_21) SELECT `pairs`.`ev`, `pairs`.`gi`, `pairs`.`b`, :param_1 AS `whole`, count(*) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`gi`, `pairs`.`b`
UNION ALL SELECT `pairs`.`ev`, `pairs`.`gi`, min(`pairs`.`b`) AS `b`, :param_22 AS `whole`, count(DISTINCT `pairs`.`person`) AS `v`
FROM `pairs`
GROUP BY `pairs`.`ev`, `pairs`.`gi`;
