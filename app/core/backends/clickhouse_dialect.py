"""clickhouse-connect's SQLAlchemy dialect, with the few compilation rules Tracklens's portable SQL
needs, and `chdb:///folder` URLs for embedded ClickHouse (chDB) in a folder.

Registered (app.core.backends.clickhouse) for `clickhousedb://` and `chdb://`, so both reach the
server or the folder through the same dialect and driver; only where the bytes go differs.
"""

from __future__ import annotations

from typing import Any

from clickhouse_connect.cc_sqlalchemy.dialect import ClickHouseDialect
from clickhouse_connect.cc_sqlalchemy.sql.compiler import ChStatementCompiler
from sqlalchemy.engine import URL
from sqlalchemy.sql.selectable import FromGrouping, Join


class TracklensCompiler(ChStatementCompiler):
    """Integer `//` and true `/` as SQLite and PostgreSQL compute them; nested joins flattened."""

    def visit_join(self, join: Any, asfrom: Any = False, from_linter: Any = None, **kw: Any) -> Any:
        # ClickHouse has no parenthesised joins: `A JOIN (B LEFT JOIN C ON x) ON y` becomes
        # `A JOIN B ON y LEFT JOIN C ON x`, the same rows where y does not read C (the engine's
        # nested joins attach a person's users row to an event: y never reads it).
        right = join.right
        while isinstance(right, FromGrouping):
            right = right.element
        if isinstance(right, Join):
            flat = Join(Join(join.left, right.left, join.onclause, isouter=join.isouter, full=join.full),
                        right.right, right.onclause, isouter=right.isouter, full=right.full)
            return self.visit_join(flat, asfrom=asfrom, from_linter=from_linter, **kw)
        return super().visit_join(join, asfrom=asfrom, from_linter=from_linter, **kw)

    def visit_floordiv_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        # ClickHouse's `/` always divides as floats; intDiv truncates, which equals the floor for
        # the engine's operands (times since 2000, offsets, counts: never negative).
        return f"intDiv({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def visit_truediv_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"({self.process(binary.left, **kw)} / {self.process(binary.right, **kw)})"


class TracklensClickHouseDialect(ClickHouseDialect):
    """The dialect of `clickhousedb://user@host:8123/db` and `chdb:///abs/folder?database=db`."""

    statement_compiler = TracklensCompiler
    div_is_floordiv = False
    supports_statement_cache = False  # as clickhouse-connect's own dialect
    #: False when the database's `events` view predates its `stored_person` column and was opened
    #: without upgrading (`tracklens query`): the backend then compiles the stored person as the
    #: person (app.core.backends.clickhouse, StoredPerson), slower but the same answers.
    events_have_stored_person = True

    def initialize(self, connection: Any) -> None:
        super().initialize(connection)
        self.events_have_stored_person = events_have_stored_person(connection)

    @classmethod
    def import_dbapi(cls) -> Any:
        from clickhouse_connect import dbapi

        return dbapi

    @classmethod
    def dbapi(cls) -> Any:  # type: ignore[override]  # the old name, still called by SQLAlchemy 2.0's checks
        return cls.import_dbapi()

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        """(26, 9, 2, 1): shown by the connect dialog's test and the status bar."""
        text = str(connection.exec_driver_sql("SELECT version()").scalar() or "")
        return tuple(int(part) for part in text.split(".") if part.isdigit())

    def create_connect_args(self, url: URL) -> Any:
        if url.drivername.split("+", 1)[0] == "chdb":
            folder = "/" + (url.database or "").lstrip("/")
            options: dict[str, Any] = {"interface": "chdb", "path": folder,
                                       "database": url.query.get("database") or "default"}
            return [], options
        return super().create_connect_args(url)


def events_have_stored_person(connection: Any) -> bool:
    """Whether the `events` view has `stored_person` (True where there is no view yet: the
    schema about to be created has it)."""
    try:
        found, columns = connection.exec_driver_sql(
            "SELECT countIf(name = 'stored_person'), count() FROM system.columns "
            "WHERE database = currentDatabase() AND table = 'events'").one()
    except Exception:  # a user without system.columns: assume the current layout
        return True
    return bool(found) or not columns


def chdb_folder(url: URL) -> str:
    """The folder of a `chdb:///abs/folder` URL."""
    return "/" + (url.database or "").lstrip("/")


def chdb_database(url: URL) -> str:
    """The database inside a chDB folder (`?database=`, default `default`)."""
    value = url.query.get("database")
    return (value if isinstance(value, str) else None) or "default"
