SELECT events.id, events.type, events.event, events.person, events.user_id, events.anonymous_id, events.ts, events.received_at, events.properties, event_context.context AS context, events.city, events.region, events.country_code, events.browser, events.os, events.device, events.referring_domain
FROM events
LEFT OUTER JOIN event_context ON event_context.id = events.id
WHERE events.id > %(after_id)s::BIGINT AND events.event IN (__[POSTCOMPILE_event_1]) AND CASE WHEN (jsonb_typeof(events.properties -> %(param_1)s::VARCHAR) = %(param_2)s::VARCHAR) THEN CAST(events.properties ->> %(param_3)s::VARCHAR AS DOUBLE PRECISION) END >= %(param_4)s::INTEGER
ORDER BY events.id DESC
LIMIT %(limit)s::INTEGER;
