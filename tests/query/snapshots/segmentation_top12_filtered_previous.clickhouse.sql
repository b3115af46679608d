SELECT intDiv((`events`.`ts` + CASE WHEN (`events`.`ts` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) AS `b`, `events`.`event` AS `ev`, count(*) AS `v`
FROM `events`
WHERE `events`.`event` IS NOT NULL AND `events`.`ts` >= :param_5 AND `events`.`ts` < :param_6 AND `events`.`country_code` = :param_7
GROUP BY b, ev
LIMIT :param_8;

SELECT `events`.`event` AS `ev`, intDiv((`events`.`ts` + :param_1), :param_2) AS `b`, count(*) AS `v`
FROM `events`
WHERE `events`.`event` IN (__[POSTCOMPILE_event_1]) AND `events`.`ts` >= :param_3 AND `events`.`ts` < :param_4 AND `events`.`country_code` = :param_5
GROUP BY ev, b;
