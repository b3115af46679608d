"""View > Show query and SQL (issue 14): the focused panel's JSON, which `tracklens query` runs as
it is, and the SQL sent to the connected database, worked out off the GUI thread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from app.cli.main import cli
from tests.ui.conftest import wait_panels


def test_show_query_gives_the_panels_json_and_the_sql_it_sends(make_window: Any, filled_db: Any, qtbot: Any,
                                                                 tmp_path: Path) -> None:
    url, _engine = filled_db
    window = make_window(url)
    wait_panels(qtbot, window)
    panel = window.show_panel("segmentation")
    dialog = window.show_query()
    assert dialog is not None and not dialog.isModal()
    assert json.loads(dialog.json_view.toPlainText()) == panel.query()
    qtbot.waitUntil(lambda: dialog.copy_sql.isEnabled(), timeout=20_000)
    sql = dialog.sql_view.toPlainText()
    assert sql.startswith("SELECT") and "FROM" in sql and sql.rstrip().endswith(";")
    assert "statement" in dialog.sql_status.text()
    dialog.grab().save(str(tmp_path / "show_query.png"))

    # The saved JSON runs as it is from the command line.
    path = tmp_path / "query.json"
    dialog.save_to(str(path))
    result = CliRunner().invoke(cli, ["query", "--db", url, "--spec", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["series"] == window.panels["segmentation"].last_result["series"]
    dialog.close()


def test_saving_where_it_cannot_write_is_one_line_and_keeps_the_old_file(make_window: Any, qtbot: Any,
                                                                          tmp_path: Path) -> None:
    """save_to raised out of the Save button's slot, and wrote in place (a full disk cut the file)."""
    from tests.support.disk import file_size_limit

    window = make_window()
    dialog = window.show_query()
    assert dialog is not None
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert not dialog.save_to(str(a_file / "query.json"))
    assert dialog.json_message.text() == f"⚠ cannot write {a_file / 'query.json'}: Not a directory"
    kept = tmp_path / "query.json"
    kept.write_text('{"kind": "live"}\n')
    with file_size_limit(kept.stat().st_size):
        assert not dialog.save_to(str(kept))
    assert kept.read_text() == '{"kind": "live"}\n'
    assert dialog.save_to(str(kept)) and json.loads(kept.read_text()) == json.loads(dialog.json_text)
    assert dialog.json_message.text() == f"Saved to {kept}"
    dialog.close()


def test_without_a_database_the_json_still_shows(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    dialog = window.show_query()
    assert dialog is not None
    assert json.loads(dialog.json_view.toPlainText())["kind"]
    assert "Connect to a database" in dialog.sql_status.text()
    dialog.close()
