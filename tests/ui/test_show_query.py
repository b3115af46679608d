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


def test_without_a_database_the_json_still_shows(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    dialog = window.show_query()
    assert dialog is not None
    assert json.loads(dialog.json_view.toPlainText())["kind"]
    assert "Connect to a database" in dialog.sql_status.text()
    dialog.close()
