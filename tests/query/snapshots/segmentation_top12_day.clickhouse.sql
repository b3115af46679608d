SELECT intDiv((`events`.`ts` + CASE WHEN (`events`.`ts` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) AS `b`, `events`.`event` AS `ev`, count(*) AS `v`
FROM `events`
WHERE `events`.`event` IS NOT NULL AND `events`.`ts` >= :param_5 AND `events`.`ts` < :param_6
GROUP BY b, ev
LIMIT :param_7;
