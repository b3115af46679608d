SELECT `event_hours`.`event`, sum(`event_hours`.`n`) AS `n`
FROM `event_hours`
WHERE `event_hours`.`hour` >= :param_1 AND `event_hours`.`hour` < :param_2
GROUP BY `event_hours`.`event`
ORDER BY `n` DESC, `event_hours`.`event`
LIMIT :param_3;

SELECT `event_hours`.`event` AS `ev`, intDiv((`event_hours`.`hour` + CASE WHEN (`event_hours`.`hour` < :param_1) THEN :param_2 ELSE :param_3 END), :param_4) AS `b`, sum(`event_hours`.`n`) AS `v`
FROM `event_hours`
WHERE `event_hours`.`event` IN (__[POSTCOMPILE_event_1]) AND `event_hours`.`hour` >= :param_5 AND `event_hours`.`hour` < :param_6
GROUP BY ev, b;
