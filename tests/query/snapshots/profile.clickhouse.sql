SELECT `users`.`id`, `users`.`traits`, `users`.`email`, `users`.`first_seen`, `users`.`last_seen`, `users`.`event_count`
FROM `users`
WHERE `users`.`id` = coalesce((SELECT `identities`.`person`
FROM `identities`
WHERE `identities`.`distinct_id` = :uid
LIMIT :param_1), :uid);

SELECT `identities`.`distinct_id`, `identities`.`linked_at`
FROM `identities`
WHERE `identities`.`person` = :uid
ORDER BY `identities`.`linked_at`, `identities`.`distinct_id`;

SELECT k1 - :param_1 AS `k`, v AS `v`
FROM (SELECT array(argMaxIf(toNullable(`events`.`city`), tuple(`events`.`ts`, `events`.`id`), `events`.`city` IS NOT NULL), argMaxIf(toNullable(`events`.`country_code`), tuple(`events`.`ts`, `events`.`id`), `events`.`country_code` IS NOT NULL), argMaxIf(toNullable(`events`.`region`), tuple(`events`.`ts`, `events`.`id`), `events`.`region` IS NOT NULL), argMaxIf(toNullable(`events`.`browser`), tuple(`events`.`ts`, `events`.`id`), `events`.`browser` IS NOT NULL), argMaxIf(toNullable(`events`.`os`), tuple(`events`.`ts`, `events`.`id`), `events`.`os` IS NOT NULL), argMaxIf(toNullable(`events`.`device`), tuple(`events`.`ts`, `events`.`id`), `events`.`device` IS NOT NULL)) AS `vals`
FROM `events`
WHERE `events`.`stored_person` IN (SELECT `person_overrides`.`old_person`
FROM `person_overrides`
WHERE `person_overrides`.`person` = :uid
UNION ALL SELECT :uid AS `anon_1`) AND `events`.`person` = :uid) AS `latest` ARRAY
JOIN `latest`.`vals` AS `v`, arrayEnumerate(`latest`.`vals`) AS `k1`
WHERE v IS NOT NULL SETTINGS aggregate_functions_null_for_empty = 0;

SELECT `events`.`id`, `events`.`type`, `events`.`event`, `events`.`ts`, `events`.`user_id`, `events`.`anonymous_id`, `events`.`properties`, `events`.`context` AS `context`, `events`.`city`, `events`.`region`, `events`.`country_code`, `events`.`browser`, `events`.`os`, `events`.`device`, `events`.`referring_domain`
FROM `events`
WHERE `events`.`stored_person` IN (SELECT `person_overrides`.`old_person`
FROM `person_overrides`
WHERE `person_overrides`.`person` = :uid
UNION ALL SELECT :uid AS `anon_1`) AND `events`.`person` = :uid AND (`events`.`ts` < (SELECT `before`.`ts`
FROM `events` AS `before`
WHERE `before`.`id` = :before_id) OR `events`.`ts` = (SELECT `before`.`ts`
FROM `events` AS `before`
WHERE `before`.`id` = :before_id) AND `events`.`id` < :before_id) AND `events`.`event` IN (__[POSTCOMPILE_names])
ORDER BY `events`.`ts` DESC, `events`.`id` DESC
LIMIT :lim SETTINGS aggregate_functions_null_for_empty = 0;
