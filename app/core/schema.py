"""The event database schema, in SQLAlchemy Core, and its versioned migrations.

Times are stored as integer milliseconds since the Unix epoch (UTC): integer
arithmetic buckets them identically and fast on every dialect, which date
functions do not. See docs/schema.md for the analyst-facing description.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

from app.core.backends import backend_for, column_type

SCHEMA_VERSION = 6

#: The call types whose rows count as events in segmentation and funnels.
ANALYSIS_TYPES = ("track", "page", "screen")

#: Enriched event fields, as analysts name them, and the column each is stored in.
ENRICHED_COLUMNS: dict[str, str] = {
    "$city": "city",
    "$region": "region",
    "$country_code": "country_code",
    "$browser": "browser",
    "$os": "os",
    "$device": "device",
    "$referring_domain": "referring_domain",
}

metadata = MetaData()

# JSON documents and auto-incremented keys take each backend's own type (JSONB; SQLite's rowid).
_Json = column_type("json")
_Id = column_type("id")
_Str = String(255)

def _wanted(ddl: Any, target: Any, bind: Any, tables: Any = None, state: Any = None, *,
            dialect: Any, compiler: Any = None, checkfirst: bool = False) -> bool:
    """Whether the connected database's backend has the index `target` (some are one database's)."""
    return backend_for(dialect).wants_index(target.name)


events = Table(
    "events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("message_id", _Str, nullable=False, unique=True),
    Column("type", String(16), nullable=False),
    # NULL for identify/group/alias: they belong to timelines, not to event counts.
    Column("event", _Str, nullable=True),
    Column("user_id", _Str, nullable=True),
    Column("anonymous_id", _Str, nullable=True),
    # The resolved person: user id once known, else the anonymous id; rewritten on merge.
    Column("person", _Str, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("properties", _Json, nullable=False),
    # The message's `context` lives in event_context (schema 3).
    Column("city", _Str),
    Column("region", _Str),
    Column("country_code", String(8)),
    Column("browser", _Str),
    Column("os", _Str),
    Column("device", _Str),
    Column("referring_domain", _Str),
    sqlite_autoincrement=True,
)
# Segmentation scans an event's range in this index. On SQLite it also carries `properties`, so
# property filters and breakdowns read the index alone instead of fetching each wide row (a
# breakdown of 760k events: 1.9 s -> 1.1 s). PostgreSQL caps an index entry at ~2.7 kB, which
# a large properties document would exceed, and reads rows faster anyway (schema 2).
Index("ix_events_event_ts_person", events.c.event, events.c.ts, events.c.person).ddl_if(callable_=_wanted)
Index("ix_events_event_ts_person_props", events.c.event, events.c.ts, events.c.person,
      events.c.properties).ddl_if(callable_=_wanted)
Index("ix_events_person_ts", events.c.person, events.c.ts)
# Time ranges across every event (filtered top-12, persons of all events off the rollups). On
# PostgreSQL a BRIN index (schema 3): rows arrive in time order, so block ranges summarise it
# in a few pages, and a B-tree on `ts` misled the planner into walking all of a range's rows
# for one event's question (cheap-looking thanks to the physical order) instead of picking that
# event's rows from (event, ts, person): a 30-day breakdown at 10M events took 1.5 s instead of
# 0.76 s. SQLite has no BRIN, and picks its plans well with the B-tree.
Index("ix_events_ts", events.c.ts).ddl_if(callable_=_wanted)
Index("ix_events_ts_brin", events.c.ts, postgresql_using="brin",
      postgresql_with={"autosummarize": "on"}).ddl_if(callable_=_wanted)
# Funnels: a person's first step-k event after a time is one seek here (schema 2).
Index("ix_events_event_person_ts", events.c.event, events.c.person, events.c.ts)


def _analysis_person_index(ddl: Any, target: Any, bind: Any, tables: Any = None, state: Any = None, *,
                           dialect: Any, compiler: Any = None, checkfirst: bool = False) -> bool:
    return backend_for(dialect).analysis_person_index


# A person's analysis events (identify/group/alias rows left out) in a time range, from the index
# alone where the backend keeps it (Backend.analysis_person_index; schema 6): retention's "did
# they come back in period n" probes. (person, ts) alone made PostgreSQL fetch each candidate
# row to test `event`.
ANALYSIS_PERSON_INDEX = Index(
    "ix_events_person_ts_analysis", events.c.person, events.c.ts,
    postgresql_where=events.c.event.is_not(None), sqlite_where=events.c.event.is_not(None),
).ddl_if(callable_=_analysis_person_index)

# The Segment `context` of each event (ip, user agent, page, library, campaign...), by events.id.
# Analysis never reads it (enrichment has copied out what it needs), only the Live View and
# profile timelines of a few rows do; in `events` it was half of every row, so every scan read
# twice the pages (PostgreSQL breakdown of 760k events in a 10M table: see docs/schema.md).
# Written with its event by the writer, in the same transaction (schema 3).
event_context = Table(
    "event_context",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=False),
    Column("context", _Json, nullable=False),
)
#: `events` with each row's context (NULL where none was stored), for the few readers that show it.
events_with_context = events.outerjoin(event_context, event_context.c.id == events.c.id)

# Hourly rollups of the analysis events (event IS NOT NULL), kept exact by triggers on
# `events` (app/core/rollups.py), so every program that writes events keeps them right; on
# SQLite the Tracklens writer adds each batch's counts itself, its insert trigger standing
# aside meanwhile (schema 4).
# `hour` is the UTC hour's first instant (epoch ms): any bucket of a zone whose offsets are
# whole hours is a union of UTC hours, so segmentation without filters reads these instead
# of every event (schema 2).
event_hours = Table(
    "event_hours",
    metadata,
    Column("hour", BigInteger, nullable=False),
    Column("event", _Str, nullable=False),
    Column("n", Integer, nullable=False),  # events of that name in that hour
    PrimaryKeyConstraint("hour", "event"),
    sqlite_with_rowid=False,
)

person_hours = Table(
    "person_hours",
    metadata,
    Column("hour", BigInteger, nullable=False),
    Column("person", _Str, nullable=False),
    Column("n", Integer, nullable=False),  # that person's events in that hour
    PrimaryKeyConstraint("hour", "person"),
    sqlite_with_rowid=False,
)
# Distinct persons over a long range: walking this index visits each person once, in order,
# instead of sorting every (hour, person) row (0.3 s instead of 1.0 s at 1.2M rows).
Index("ix_person_hours_person", person_hours.c.person, person_hours.c.hour)

# Distinct persons of one event per bucket (Backend.event_person_rollup; schema 5), kept like the
# two above. The events answer it only by sorting the event's (bucket, person) pairs: 4.4M rows
# for 90 days of Page Viewed at 10M events, 3.7 s at best. This holds each person once per hour
# and event (4.75M rows for 9.82M demo events), so a bucket reads its event's hours in key order
# and sorts only its own persons.
event_person_hours = Table(
    "event_person_hours",
    metadata,
    Column("event", _Str, nullable=False),
    Column("hour", BigInteger, nullable=False),
    Column("person", _Str, nullable=False),
    Column("n", Integer, nullable=False),  # that person's events of that name in that hour
    PrimaryKeyConstraint("event", "hour", "person"),
    sqlite_with_rowid=False,
)
# The range's distinct persons of an event: walking (event, person, hour) visits each person
# once, in order, where the primary key's hour range sorts them (90 days of Page Viewed at 10M
# events: 0.43 s instead of 1.45 s).
Index("ix_event_person_hours_person", event_person_hours.c.event, event_person_hours.c.person,
      event_person_hours.c.hour)

users = Table(
    "users",
    metadata,
    Column("id", _Str, primary_key=True),
    Column("traits", _Json, nullable=False),
    # Copied out of traits so support staff can find a person by e-mail prefix quickly.
    Column("email", _Str, nullable=True),
    Column("first_seen", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    # Analysis events (track/page/screen) of this person; maintained by the writer.
    Column("event_count", Integer, nullable=False, default=0),
)
Index("ix_users_email", users.c.email)
Index("ix_users_last_seen", users.c.last_seen, users.c.id)
Index("ix_users_first_seen", users.c.first_seen, users.c.id)

identities = Table(
    "identities",
    metadata,
    # Every id a person was seen with (user ids map to themselves).
    Column("distinct_id", _Str, primary_key=True),
    Column("person", _Str, nullable=False),
    Column("linked_at", BigInteger, nullable=False),
)
Index("ix_identities_person", identities.c.person)

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("name", _Str, nullable=False, unique=True),
    # 'dynamic': `definition` (a users query) is re-evaluated; 'static': the members below.
    Column("kind", String(16), nullable=False),
    Column("definition", _Json, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)

cohort_members = Table(
    "cohort_members",
    metadata,
    Column("cohort_id", BigInteger, nullable=False),
    Column("person", _Str, nullable=False),
    PrimaryKeyConstraint("cohort_id", "person"),
)

meta = Table(
    "tracklens_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(1024), nullable=False),
)


# --- Outbound (app.outbound): what leaves Tracklens. --------------------------------------------
# Tables added after schema 3 that no older table depends on are created on open when missing
# (ADDITIVE_TABLES), without a version bump, so a database stays readable by the build before.

# The delivery ledger (transactional outbox): one row per (stream, item) -- for campaigns
# (stream "campaign:<name>", item = the person) -- written *before* anything is sent and
# updated after, so a crash, a SIGKILL or a second sender never delivers an item twice and
# never skips one silently. States: sending (claimed, in flight), sent, held (holdout), retry
# (temporary failure, due at next_attempt_at), failed (permanent, `detail` = the reply),
# unknown (interrupted mid-transmission: not resent automatically). See docs/messages.md.
outbound_ledger = Table(
    "outbound_ledger",
    metadata,
    Column("stream", _Str, nullable=False),
    Column("item", _Str, nullable=False),
    Column("grp", String(16), nullable=False),  # message | holdout
    Column("state", String(16), nullable=False),
    Column("owner", _Str, nullable=True),  # host:pid:run of the sender holding a `sending` row
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("done_at", BigInteger, nullable=True),  # sent / held out (the goal window starts here)
    Column("next_attempt_at", BigInteger, nullable=True),
    Column("channel", String(16), nullable=True),
    Column("detail", String(1024), nullable=True),
    # The person's Message Sent / Failed event has been written (repaired on the next run if not).
    Column("recorded", Boolean, nullable=False, default=False),
    PrimaryKeyConstraint("stream", "item"),
)
Index("ix_outbound_ledger_state", outbound_ledger.c.stream, outbound_ledger.c.state)

# Campaigns as last saved or sent (the JSON of a *.campaign.json file), by name: the app edits
# them here and campaign_results reads the goal from here.
campaigns = Table(
    "campaigns",
    metadata,
    Column("name", _Str, primary_key=True),
    Column("definition", _Json, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Destinations (app.outbound.destinations): where each configured destination has got to. The
# cursor is the last `events.id` the destination acknowledged (2xx) or that its filters skipped;
# ids are committed in order (the writer serialises writers), so everything above it is still to
# send and a crash resumes there. `owner`/`heartbeat_at`: the forwarder holding the destination,
# so two forwarders never send the same stream twice at once. See docs/destinations.md.
destination_cursors = Table(
    "destination_cursors",
    metadata,
    Column("name", _Str, primary_key=True),
    Column("position", BigInteger, nullable=False, default=0),
    Column("delivered", BigInteger, nullable=False, default=0),  # messages acknowledged, ever
    Column("paused", Boolean, nullable=False, default=False),
    Column("owner", _Str, nullable=True),
    Column("heartbeat_at", BigInteger, nullable=True),
    Column("failing_since", BigInteger, nullable=True),
    Column("last_error", String(1024), nullable=True),
    Column("last_success_at", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

# Batches a destination refused for good (a permanent 4xx), with its answer: parked so the rest
# goes on, re-sent by `tracklens forward --retry-dead`.
destination_dead_letters = Table(
    "destination_dead_letters",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("destination", _Str, nullable=False),
    Column("first_id", BigInteger, nullable=False),  # events.id of the batch's first and last message
    Column("last_id", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("messages", _Json, nullable=False),  # the Segment messages as they were sent
    Column("status", Integer, nullable=True),  # the HTTP status of the answer
    Column("answer", String(1024), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("resent_at", BigInteger, nullable=True),  # delivered by --retry-dead
    sqlite_autoincrement=True,
)
Index("ix_destination_dead_letters_dest", destination_dead_letters.c.destination, destination_dead_letters.c.id)

# Messages each destination acknowledged per UTC minute (the panel's sparkline, `forward
# --status`), added in the transaction that moves the cursor; minutes older than two days are
# pruned as new ones start, so the table stays small.
destination_deliveries = Table(
    "destination_deliveries",
    metadata,
    Column("destination", _Str, nullable=False),
    Column("minute", BigInteger, nullable=False),  # epoch ms of the minute's start
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("destination", "minute"),
)

#: Created on open when missing (no migration, no version bump).
ADDITIVE_TABLES = (outbound_ledger, campaigns, destination_cursors, destination_dead_letters,
                   destination_deliveries)
