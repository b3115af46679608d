SELECT events.id, events.type, events.event, events.person, events.user_id, events.anonymous_id, events.ts, events.received_at, events.properties, event_context.context AS context, events.city, events.region, events.country_code, events.browser, events.os, events.device, events.referring_domain
FROM events
LEFT OUTER JOIN event_context ON event_context.id = events.id
WHERE events.id > ? AND events.event IN (__[POSTCOMPILE_event_1]) AND CASE WHEN (json_type(events.properties, ?) IN (__[POSTCOMPILE_json_type_1])) THEN json_extract(events.properties, ?) END >= ?
ORDER BY events.id DESC
LIMIT ? OFFSET ?;
