"""A PostgreSQL role that may only read a database, for the commands' error paths."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text


def select_only_url(url: str) -> str:
    """`url` as a new role that may only SELECT from the tables that exist now."""
    role = "ro_" + (make_url(url).database or "").removeprefix("t_")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    finally:
        engine.dispose()
    return make_url(url).set(username=role).render_as_string(hide_password=False)
