SELECT `events`.`id`, `events`.`type`, `events`.`event`, `events`.`person`, `events`.`user_id`, `events`.`anonymous_id`, `events`.`ts`, `events`.`received_at`, `events`.`properties`, `events`.`context` AS `context`, `events`.`city`, `events`.`region`, `events`.`country_code`, `events`.`browser`, `events`.`os`, `events`.`device`, `events`.`referring_domain`
FROM `events`
WHERE `events`.`id` > :after_id AND `events`.`event` IN (__[POSTCOMPILE_event_1]) AND CASE WHEN (toString(JSONType(`events`.`properties`, :param_1)) IN (__[POSTCOMPILE_toString_1])) THEN JSONExtractFloat(`events`.`properties`, :param_2) ELSE :param_3 END >= :param_4
ORDER BY `events`.`id` DESC
LIMIT :limit;
