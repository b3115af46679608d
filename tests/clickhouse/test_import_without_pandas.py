"""An import into chDB does not load pandas: clickhouse-connect imported it at the first insert
to ask whether the data was a DataFrame (~0.3 s of CPU and ~60 MB more at the peak of every
`tracklens import` into chDB; docs/benchmarks/clickhouse.md). The rows are stored as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

IMPORT = """
import sys
from app.cli.main import main
url, path = sys.argv[1:]
try:
    main(["import", "--db", url, "--quiet", path])
finally:  # click ends the command with SystemExit
    print("pandas loaded:", "pandas" in sys.modules)
"""


def test_an_import_into_chdb_stores_its_events_without_loading_pandas(tmp_path: Path) -> None:
    messages = [{"type": "track", "event": "Viewed", "messageId": f"m{i}", "anonymousId": f"anon {i % 3}",
                 "timestamp": f"2026-11-02T10:{i:02d}:00Z"} for i in range(12)]
    messages.append({"type": "identify", "messageId": "who", "userId": "ada", "anonymousId": "anon 1",
                     "traits": {"plan": "pro"}, "timestamp": "2026-11-02T11:00:00Z"})
    source = tmp_path / "export.jsonl"
    source.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    url = f"chdb:///{(tmp_path / 'shop-ch').as_posix().lstrip('/')}"
    done = subprocess.run([sys.executable, "-c", IMPORT, url, str(source)], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "13 stored" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "pandas loaded: False" in lines, lines
