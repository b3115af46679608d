"""Discovery: what the pickers offer — event names, property and trait keys, common values.

Keys are found by sampling recent rows (a JSON key listing of every row would read the whole
table); counts of events and values are exact over the range, or over a recent sample when
no range is given, so a picker never waits on a full scan it did not ask for.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    case,
    func,
    literal,
    select,
)

from app.core.rollups import whole_hours
from app.core.schema import ENRICHED_COLUMNS, event_hours, events, users
from app.query import limits
from app.query.model import DiscoveryQuery
from app.query.runner import QueryRunner, register_runner
from app.query.timerange import resolve_range
from app.query.zones import zone_info


@register_runner
class DiscoveryRunner(QueryRunner):
    query_class = DiscoveryQuery
    query: DiscoveryQuery

    def _range_conds(self) -> list[ColumnElement[bool]]:
        q = self.query
        if q.range is None:
            return []
        period = resolve_range(q.range, zone_info(q.timezone), self.now)
        return [events.c.ts >= literal(period.start_ms, BigInteger), events.c.ts < literal(period.end_ms, BigInteger)]

    # ------------------------------------------------------------------ statements

    def _hour_bounds(self) -> tuple[int, int] | Literal[False] | None:
        """The range's (start, end) ms when both are whole UTC hours, None for all time, False
        when the hourly rollup cannot answer it."""
        q = self.query
        # The rollup form finds each name's last time with a correlated subquery (ClickHouse
        # decorrelates it into NULLs): there, one GROUP BY over `events` answers instead.
        if not self.backend.hourly_rollups or not self.backend.correlated_subqueries:
            return False
        if q.range is None:
            return None
        period = resolve_range(q.range, zone_info(q.timezone), self.now)
        if not whole_hours(period.start_ms, period.end_ms):
            return False
        return period.start_ms, period.end_ms

    def events_statement(self) -> Select[Any]:
        bounds = self._hour_bounds()
        if bounds is not False:
            # Counts from the hourly rollup, the last time from one index seek per name: the
            # pickers open in milliseconds at 10M events (counting `events` took seconds).
            h = event_hours
            total = func.sum(h.c.n)
            hours = [] if bounds is None else [h.c.hour >= literal(bounds[0], BigInteger),
                                               h.c.hour < literal(bounds[1], BigInteger)]
            top = (select(h.c.event, total.label("count")).where(*hours).group_by(h.c.event)
                   .order_by(total.desc(), self.backend.binary_order(h.c.event))
                   .limit(literal(self.query.limit, Integer)).subquery("top"))
            last = (select(func.max(events.c.ts)).where(events.c.event == top.c.event, *self._range_conds())
                    .scalar_subquery())
            return (select(top.c.event, top.c.count, last.label("last_seen"))
                    .order_by(top.c.count.desc(), self.backend.binary_order(top.c.event)))
        n = func.count().label("count")
        return (select(events.c.event, n, func.max(events.c.ts).label("last_seen"))
                .where(events.c.event.is_not(None), *self._range_conds())
                .group_by(events.c.event)
                .order_by(n.desc(), self.backend.binary_order(events.c.event))
                .limit(literal(self.query.limit, Integer)))

    def _sample(self, doc_name: str) -> Any:
        q = self.query
        if doc_name == "traits":
            return (select(users.c.traits.label("doc")).order_by(users.c.last_seen.desc(), users.c.id.desc())
                    .limit(literal(q.sample, Integer)).subquery("sample"))
        stmt = select(events.c.properties.label("doc"))
        if q.event is not None:
            # (event, ts) is indexed: the newest rows of one event without a table scan.
            stmt = stmt.where(events.c.event == literal(q.event, String)).order_by(events.c.ts.desc())
        else:
            stmt = stmt.where(events.c.event.is_not(None)).order_by(events.c.id.desc())
        return stmt.limit(literal(q.sample, Integer)).subquery("sample")

    def keys_statement(self) -> Select[Any]:
        sample = self._sample("traits" if self.query.what == "traits" else "properties")
        source, key, typ, text = self.backend.json_entries(sample, sample.c.doc)
        label = case(((typ == literal("string", String)) & self.backend.looks_like_date(text),
                      literal("date", String)), else_=typ).label("type")
        n = func.count().label("count")
        return (select(key.label("key"), label, n).select_from(source)
                .group_by(key, label).order_by(key, label))

    def values_statement(self) -> Select[Any]:
        q = self.query
        if q.trait is not None:
            doc, name = users.c.traits, q.trait
            typ = self.backend.json_type_label(doc, name)
            text = self.backend.json_display(doc, name)
            source = select(typ.label("t"), text.label("v")).subquery("vals")
        else:
            assert q.property is not None
            conds: list[ColumnElement[bool]] = [events.c.event.is_not(None)]
            if q.event is not None:
                conds = [events.c.event == literal(q.event, String)]
            if q.property in ENRICHED_COLUMNS:
                text = events.c[ENRICHED_COLUMNS[q.property]]
                typ = case((text.is_not(None), literal("string", String)))
            else:
                typ = self.backend.json_type_label(events.c.properties, q.property)
                text = self.backend.json_display(events.c.properties, q.property)
            inner = select(typ.label("t"), text.label("v")).where(*conds, *self._range_conds())
            if q.range is None:
                inner = inner.order_by(events.c.id.desc() if q.event is None else events.c.ts.desc()).limit(
                    literal(q.sample, Integer))
            source = inner.subquery("vals")
        n = func.count().label("count")
        return (select(source.c.t, source.c.v, n).where(source.c.v.is_not(None))
                .group_by(source.c.t, source.c.v)
                .order_by(n.desc(), source.c.t, self.backend.binary_order(source.c.v))
                .limit(literal(q.limit, Integer)))

    def to_query(self) -> Select[Any]:
        what = self.query.what
        if what == "events":
            return self.events_statement()
        if what == "values":
            return self.values_statement()
        return self.keys_statement()

    # ------------------------------------------------------------------ results

    def calculate(self, conn: Connection) -> dict[str, Any]:
        q = self.query
        rows: list[Any] = list(self.execute(conn, self.to_query()).all())
        if q.what == "events":
            return {"events": [{"event": r[0], "count": int(r[1]), "last_seen": int(r[2])} for r in rows]}
        if q.what == "values":
            values = [{"value": _typed(r[0], r[1]), "type": r[0], "count": int(r[2])} for r in rows]
            # A picked value goes into a filter, which refuses integers beyond 64 bits (no
            # database binds them): those are left out rather than offered and then refused.
            return {"values": [v for v in values if _filterable(v["value"])]}
        keys: dict[str, dict[str, int]] = {}
        for key, typ, count in rows:
            keys.setdefault(key, {})[typ] = int(count)
        listed: list[dict[str, Any]] = []
        if q.what == "properties":
            listed = [{"name": name, "type": "string", "types": ["string"], "count": None, "enriched": True}
                      for name in ENRICHED_COLUMNS]
        for key in sorted(keys, key=lambda k: (-sum(keys[k].values()), [ord(c) for c in k]))[: q.limit]:
            types = keys[key]
            real = {t: c for t, c in types.items() if t != "null"} or types
            main = sorted(real, key=lambda t: (-real[t], t))[0]
            listed.append({"name": key, "type": main, "types": sorted(types), "count": sum(types.values()),
                           "enriched": False})
        return {("traits" if q.what == "traits" else "properties"): listed}


def _filterable(value: Any) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or limits.MIN_INT <= value <= limits.MAX_INT


def _typed(kind: str, text: str) -> Any:
    """A value as the JSON type it was stored with, so a picker builds a correctly typed filter."""
    if kind == "number":
        return json.loads(text)
    if kind == "boolean":
        return text == "true"
    return text
