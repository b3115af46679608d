SELECT `events`.`id`, `events`.`type`, `events`.`event`, `events`.`person`, `events`.`user_id`, `events`.`anonymous_id`, `events`.`ts`, `events`.`received_at`, `events`.`properties`, `events`.`context` AS `context`, `events`.`city`, `events`.`region`, `events`.`country_code`, `events`.`browser`, `events`.`os`, `events`.`device`, `events`.`referring_domain`
FROM `events`
WHERE `events`.`id` > :after_id AND `events`.`event` IN (__[POSTCOMPILE_event_1]) AND CASE WHEN (toString(JSONType(`events`.`properties`, :param_1)) IN (__[POSTCOMPILE_toString_1]) OR toString(JSONType(`events`.`properties`, :param_1)) = :param_2 AND match(JSONExtractString(`events`.`properties`, :param_1), :param_3) AND trimLeft(simpleJSONExtractRaw(`events`.`properties`, :param_1)) = JSONExtractString(`events`.`properties`, :param_1)) THEN JSONExtractFloat(`events`.`properties`, :param_4) ELSE :param_5 END >= :param_6
ORDER BY `events`.`id` DESC
LIMIT :limit;
