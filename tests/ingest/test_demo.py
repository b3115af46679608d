"""The demo generator and the live simulator write believable data through EventWriter."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from app.cli.main import cli
from app.core.database import open_database
from app.core.schema import events, users
from app.demo.generator import generate_demo, generate_messages
from app.demo.simulator import Simulator
from tests.ingest.conftest import event_rows

END = datetime(2024, 6, 1, tzinfo=UTC)


def _snapshot(engine: Engine) -> list[tuple]:
    cols = [events.c.message_id, events.c.event, events.c.person, events.c.ts, events.c.city, events.c.browser,
            events.c.referring_domain, events.c.properties]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(events.c.id))]


def test_same_seed_gives_same_rows(tmp_path: Path) -> None:
    first = open_database(tmp_path / "a.sqlite")
    second = open_database(tmp_path / "b.sqlite")
    generate_demo(first, 1500, seed=3, end=END, days=30)
    generate_demo(second, 1500, seed=3, end=END, days=30)
    assert _snapshot(first) == _snapshot(second)
    other = open_database(tmp_path / "c.sqlite")
    generate_demo(other, 1500, seed=4, end=END, days=30)
    assert _snapshot(other) != _snapshot(first)


def test_messages_are_in_time_order_and_capped() -> None:
    end_ms = int(END.timestamp() * 1000)
    msgs = list(generate_messages(5, 3000, end_ms - 30 * 86_400_000, end_ms))
    assert 2000 < len(msgs) <= 3000
    stamps = [m["timestamp"] for m in msgs]
    assert stamps == sorted(stamps)
    assert len({m["messageId"] for m in msgs}) == len(msgs)


def test_small_demo_is_a_believable_product(engine: Engine) -> None:
    progress: list[int] = []
    summary = generate_demo(engine, 3000, seed=1, end=END, days=30, progress=progress.append)
    assert summary.rejected == []
    assert summary.stored == progress[-1] and 2000 < summary.stored <= 3000
    rows = event_rows(engine)
    names = {r["event"] for r in rows if r["event"]}
    assert {"Page Viewed", "Product Viewed", "Signed Up", "Added To Cart"} <= names
    assert len(names) >= 18
    assert {r["type"] for r in rows} >= {"track", "page", "identify"}
    # Enriched like real data: many countries, real browsers, real referrers.
    assert len({r["country_code"] for r in rows if r["country_code"]}) >= 8
    assert {"Chrome", "Mobile Safari"} <= {r["browser"] for r in rows}
    assert "www.google.com" in {r["referring_domain"] for r in rows}
    assert all(END.timestamp() * 1000 - 31 * 86_400_000 <= r["ts"] <= END.timestamp() * 1000 for r in rows)
    # Sign-ups merged their anonymous history: the person of a Signed Up row is the user id.
    signups = [r for r in rows if r["event"] == "Signed Up"]
    assert signups and all(r["person"] == r["user_id"] for r in signups)
    with engine.connect() as conn:
        identified = conn.execute(select(users.c.traits).where(users.c.email.is_not(None))).scalars().all()
        assert identified
        assert {"name", "email", "gender", "age", "plan"} <= set(identified[0])
        orders = conn.execute(select(events.c.properties).where(events.c.event == "Order Completed")).scalars().all()
    for props in orders:
        assert isinstance(props["revenue"], float | int) and props["currency"] == "USD"


def test_first_names_agree_with_gender(tmp_path: Path) -> None:
    from app.demo import catalog

    engine = open_database(tmp_path / "names.sqlite")
    generate_demo(engine, 2500, seed=6, end=END, days=20)
    with engine.connect() as conn:
        people = conn.execute(select(users.c.traits).where(users.c.email.is_not(None))).scalars().all()
    by_gender: dict[str, list[str]] = {}
    for traits in people:
        by_gender.setdefault(traits["gender"], []).append(traits["name"].split(" ")[0])
    assert len(by_gender.get("female", [])) >= 10 and len(by_gender.get("male", [])) >= 10
    assert set(by_gender["female"]) <= set(catalog.FEMALE_FIRST_NAMES)
    assert set(by_gender["male"]) <= set(catalog.MALE_FIRST_NAMES)
    for gender in ("non-binary", "unspecified"):
        assert set(by_gender.get(gender, [])) <= set(catalog.NEUTRAL_FIRST_NAMES)


def test_demo_command_writes_a_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--events", "800", "--seed", "2", "--quiet",
                                      "--end", "2024-06-01T00:00:00Z", "--days", "14"])
    assert result.exit_code == 0, result.output
    assert "stored" in result.output
    engine = open_database(db)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() > 400


@pytest.mark.parametrize(("args", "says"), [
    (["--end", "2030-01-01"], "more than a day from now"),
    (["--end", "1999-06-01"], "reach back before 2000-01-01"),
    (["--end", "0001-01-01"], "reach back before 2000-01-01"),
    (["--days", "100000000"], "reach back before 2000-01-01"),
])
def test_a_demo_outside_the_stored_times_is_refused_before_anything_is_written(tmp_path: Path, args: list[str],
                                                                             says: str) -> None:
    """Such a history was generated and then rejected message by message: 'stored 0 events', exit 0,
    an empty database (or, for year 1, a traceback)."""
    db = tmp_path / "demo.sqlite"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--events", "300", "--quiet", *args])
    assert result.exit_code == 2, result.output
    assert says in result.stderr and "Traceback" not in result.output
    assert not db.exists()


@pytest.mark.parametrize("rate", ["nan", "inf", "1e308"])
def test_a_simulated_rate_that_is_not_a_number_is_refused(tmp_path: Path, rate: str) -> None:
    """NaN passed click's range check and killed the simulator's thread with a traceback."""
    result = CliRunner().invoke(cli, ["simulate", "--db", str(tmp_path / "s.sqlite"), "--rate", rate,
                                      "--duration", "1"])
    assert result.exit_code == 2 and "--rate" in result.stderr, result.output


def test_simulator_appends_rows_then_stops(engine: Engine) -> None:
    sim = Simulator(engine, rate=400.0, seed=9)
    sim.start()
    deadline = time.monotonic() + 20
    while sim.stored < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    sim.stop()
    assert not sim.running
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(events)).scalar()
        newest = conn.execute(select(func.max(events.c.ts))).scalar()
    assert count == sim.stored >= 50
    assert abs(newest - time.time() * 1000) < 60_000  # stamped "now"
    time.sleep(0.5)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == count


def test_simulator_batches_continue_sessions_with_fresh_ids(engine: Engine) -> None:
    sim = Simulator(engine, rate=10, seed=11)
    first = sim.take(200)
    second = sim.take(200)
    ids = [m["messageId"] for m in first + second]
    assert len(set(ids)) == 400
    assert sim.writer.write(first + second).stored == 400
