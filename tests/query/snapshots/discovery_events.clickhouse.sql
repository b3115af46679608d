SELECT `events`.`event`, count(*) AS `count`, max(`events`.`ts`) AS `last_seen`
FROM `events`
WHERE `events`.`event` IS NOT NULL AND `events`.`ts` >= :param_1 AND `events`.`ts` < :param_2
GROUP BY `events`.`event`
ORDER BY `count` DESC, `events`.`event`
LIMIT :param_3;
