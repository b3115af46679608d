SELECT :param_1 AS `ev`, intDiv((`person_hours`.`hour` + CASE WHEN (`person_hours`.`hour` < :param_2) THEN :param_3 ELSE :param_4 END), :param_5) AS `b`, count(DISTINCT `person_hours`.`person`) AS `v`
FROM `person_hours`
WHERE `person_hours`.`hour` >= :param_6 AND `person_hours`.`hour` < :param_7
GROUP BY `b`;

SELECT :param_1 AS `ev`, count(DISTINCT `person_hours`.`person`) AS `v`
FROM `person_hours`
WHERE `person_hours`.`hour` >= :param_2 AND `person_hours`.`hour` < :param_3;
