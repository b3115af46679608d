SELECT :param_1 AS `ev`, `pairs`.`b`, count(*) AS `v`
FROM (SELECT DISTINCT intDiv((`events`.`ts` + CASE WHEN (`events`.`ts` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) AS `b`, `events`.`person` AS `person`
FROM `events`
WHERE `events`.`event` IS NOT NULL AND `events`.`ts` >= :param_6 AND `events`.`ts` < :param_7) AS `pairs`
GROUP BY `pairs`.`b`;

SELECT :param_1 AS `ev`, count(*) AS `v`
FROM (SELECT DISTINCT `events`.`person` AS `person`
FROM `events`
WHERE `events`.`event` IS NOT NULL AND `events`.`ts` >= :param_2 AND `events`.`ts` < :param_3) AS `pairs`;
