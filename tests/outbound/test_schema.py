"""The ledger and campaigns tables appear in a database made before them (schema 3), on open."""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.core.database import open_database
from app.core.schema import SCHEMA_VERSION, campaigns, meta, outbound_ledger


def test_existing_schema_3_database_gets_the_outbound_tables(db_url: str) -> None:
    engine = open_database(db_url)
    with engine.begin() as conn:
        outbound_ledger.drop(conn)
        campaigns.drop(conn)
    engine.dispose()
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"outbound_ledger", "campaigns"} <= tables
            version = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one()
            assert version == str(SCHEMA_VERSION)  # additive: no version bump, older builds still open it
            indexes = {i["name"] for i in inspect(conn).get_indexes("outbound_ledger")}
            assert "ix_outbound_ledger_state" in indexes
    finally:
        engine.dispose()


def test_reading_without_create_leaves_them_missing_and_results_say_so(db_url: str) -> None:
    from app.query import QueryError, run_query

    engine = open_database(db_url)
    with engine.begin() as conn:
        outbound_ledger.drop(conn)
    engine.dispose()
    reader = open_database(db_url, create=False)
    try:
        import pytest

        with pytest.raises(QueryError, match="has not been sent from this database"):
            run_query(reader, {"kind": "campaign_results", "campaign": "Any"})
    finally:
        reader.dispose()
