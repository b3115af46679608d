SELECT events.id, events.type, events.event, events.person, events.user_id, events.anonymous_id, events.ts, events.received_at, events.properties, events.context, events.city, events.region, events.country_code, events.browser, events.os, events.device, events.referring_domain
FROM events
WHERE events.id > ? AND events.event IN (__[POSTCOMPILE_event_1]) AND CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END >= ?
ORDER BY events.id DESC
LIMIT ? OFFSET ?;
