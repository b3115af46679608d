SELECT users.id, users.traits, users.email, users.first_seen, users.last_seen, users.event_count
FROM users
WHERE users.id = coalesce((SELECT identities.person
FROM identities
WHERE identities.distinct_id = ?
LIMIT ? OFFSET ?), ?);

SELECT identities.distinct_id, identities.linked_at
FROM identities
WHERE identities.person = ?
ORDER BY identities.linked_at, identities.distinct_id;

SELECT last0.k, last0.v
FROM (SELECT ? AS k, events.city AS v
FROM events
WHERE events.person = ? AND events.city IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last0
UNION ALL SELECT last1.k, last1.v
FROM (SELECT ? AS k, events.country_code AS v
FROM events
WHERE events.person = ? AND events.country_code IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last1
UNION ALL SELECT last2.k, last2.v
FROM (SELECT ? AS k, events.region AS v
FROM events
WHERE events.person = ? AND events.region IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last2
UNION ALL SELECT last3.k, last3.v
FROM (SELECT ? AS k, events.browser AS v
FROM events
WHERE events.person = ? AND events.browser IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last3
UNION ALL SELECT last4.k, last4.v
FROM (SELECT ? AS k, events.os AS v
FROM events
WHERE events.person = ? AND events.os IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last4
UNION ALL SELECT last5.k, last5.v
FROM (SELECT ? AS k, events.device AS v
FROM events
WHERE events.person = ? AND events.device IS NOT NULL
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?) AS last5;

SELECT events.id, events.type, events.event, events.ts, events.user_id, events.anonymous_id, events.properties, event_context.context AS context, events.city, events.region, events.country_code, events.browser, events.os, events.device, events.referring_domain
FROM events
LEFT OUTER JOIN event_context ON event_context.id = events.id
WHERE events.person = ? AND (events.ts < (SELECT "before".ts
FROM events AS "before"
WHERE "before".id = ?) OR events.ts = (SELECT "before".ts
FROM events AS "before"
WHERE "before".id = ?) AND events.id < ?) AND events.event IN (__[POSTCOMPILE_names])
ORDER BY events.ts DESC, events.id DESC
LIMIT ? OFFSET ?;
