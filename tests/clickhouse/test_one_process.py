"""chDB opens a folder in one process at a time: a second program gets one line saying so."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HOLD = """
import sys, time
from app.core.database import open_database
engine = open_database(sys.argv[1])
with engine.connect() as conn:
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_folder_open_in_another_process_is_one_clear_line(tmp_path: Path) -> None:
    url = f"chdb:///{(tmp_path / 'shop-ch').as_posix().lstrip('/')}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read() if holder.stderr else ""
        started = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "app", "query", "--db", url, "--spec", "-"],
                                input=json.dumps({"kind": "segmentation"}), capture_output=True, text=True,
                                timeout=120, cwd=Path(__file__).parents[2])
        assert time.monotonic() - started < 60  # an answer, not a wait for the holder to end
    finally:
        holder.kill()
        holder.communicate()
    assert second.returncode != 0
    lines = [line for line in (second.stdout + second.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "open in another process" in lines[0], lines
    assert "Traceback" not in second.stderr
