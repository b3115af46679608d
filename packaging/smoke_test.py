"""Smoke-test a frozen Tracklens build the way a user would first meet it.

    python packaging/smoke_test.py --app dist/Tracklens/tracklens [--cli ...] [--expect-panels a,b]

1. `<cli> --version` prints the version from pyproject.toml (so the bundled metadata is there);
2. `<cli> demo` generates a small demo database with the FROZEN binary;
3. `<cli> query` finds cities and browsers in it (bundled GeoIP database and ua-parser work), and
   a PostgreSQL URL fails with a clean connection error (psycopg and libpq are bundled);
4. `<app> --db <that database> --screenshot <dir>` runs offscreen and must exit 0 without a
   traceback or a Qt platform-plugin error;
5. every expected panel PNG and window.png exist and are real renders (size, dimensions, colours).

Runs with the standard library; Pillow (the `packaging` extra) adds the colour check. The frozen
programs run from an empty working directory with a private data folder and no PYTHONPATH, so a
build that secretly reads the source tree or the user's files fails here. Used by
packaging/check_linux.sh and by every platform of .github/workflows/release.yml.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: output that means the frozen app is broken even if it managed to exit 0
FATAL_MARKERS = (
    "Traceback (most recent call last)",
    "could not load the Qt platform plugin",
    "This application failed to start because",
    "ModuleNotFoundError",
    "Failed to execute script",
)
MIN_PNG_BYTES = 2_000
MIN_SIDE_PX = 64


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def clean_env(home: Path) -> dict[str, str]:
    """The frozen app's environment: offscreen Qt, private folders, nothing from a dev shell."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "QT_", "TRACKLENS_", "XDG_", "VIRTUAL_ENV"))}
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "TRACKLENS_DATA_DIR": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "share"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        # CI machines have no unlocked keyring; the app must not block on one.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    })
    (home / "runtime").mkdir(parents=True, exist_ok=True)
    os.chmod(home / "runtime", 0o700)
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    """Run a frozen program; its standard output, or SmokeFailure with the reason.

    It must exit 0, and neither output stream may contain one of FATAL_MARKERS.
    """
    shown = " ".join(cmd)
    print(f"$ {shown}", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace") + (exc.stderr or b"").decode("utf-8", "replace")
        raise SmokeFailure(f"{shown}: still running after {timeout:g} s\n{out}") from None
    stdout = proc.stdout.decode("utf-8", "replace")
    both = stdout + proc.stderr.decode("utf-8", "replace")
    print(f"  exit {proc.returncode} in {time.monotonic() - started:.1f} s", flush=True)
    if both.strip():
        print("  | " + "\n  | ".join(both.rstrip().splitlines()[-40:]), flush=True)
    for marker in FATAL_MARKERS:
        if marker in both:
            raise SmokeFailure(f"{shown}: printed {marker!r}")
    if proc.returncode != 0:
        raise SmokeFailure(f"{shown}: exit code {proc.returncode}")
    return stdout


def check_enrichment(cli: Path, db_url: str, env: dict[str, str], work: Path, timeout: float) -> str:
    """The frozen query engine sees cities (bundled GeoIP database) and browsers (ua-parser)."""
    found = []
    for prop, minimum in (("$city", 2), ("$browser", 2)):
        spec_file = work / f"query-{prop.strip('$')}.json"
        spec_file.write_text(json.dumps({
            "kind": "segmentation", "events": ["$all_events"], "range": {"last": 365, "unit": "day"},
            "breakdown": prop, "timezone": "UTC",
        }), encoding="utf-8")
        out = run([str(cli), "query", "--db", db_url, "--spec", str(spec_file)], env, work, timeout)
        try:
            result = json.loads(out)
        except json.JSONDecodeError as exc:
            raise SmokeFailure(f"query by {prop} did not print JSON: {exc}") from None
        values = {s["group"] for s in result.get("series", []) if s.get("group") and not s.get("other")}
        if len(values) < minimum:
            raise SmokeFailure(f"the demo events have {len(values)} {prop} values (enrichment broken?)")
        found.append(f"{len(values)} {prop} values")
    return "enrichment: " + ", ".join(found)


def check_postgres_driver(cli: Path, env: dict[str, str], work: Path) -> str:
    """psycopg and its libpq are bundled: a refused connection is a clean one-line error."""
    spec_file = work / "query-postgres.json"
    spec_file.write_text(json.dumps({"kind": "segmentation"}), encoding="utf-8")
    out_file = work / "postgres-error.txt"
    url = "postgresql+psycopg://tracklens@127.0.0.1:9/tracklens"  # port 9 (discard): refused
    cmd = [str(cli), "query", "--db", url, "--spec", str(spec_file)]
    print(f"$ {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, timeout=120, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    out_file.write_text(out, encoding="utf-8")
    print("  | " + "\n  | ".join(out.rstrip().splitlines()[-5:]), flush=True)
    for marker in (*FATAL_MARKERS, "No module named", "Can't load plugin"):
        if marker in out:
            raise SmokeFailure(f"PostgreSQL driver missing from the bundle: printed {marker!r}")
    if proc.returncode == 0:
        raise SmokeFailure("a query against a closed PostgreSQL port succeeded?")
    return "PostgreSQL driver: loads (connection refused, reported in one line)"


def check_clickhouse_driver(cli: Path, env: dict[str, str], work: Path) -> str:
    """clickhouse-connect is bundled (chDB is not): a refused ClickHouse server and a chDB folder
    are each one clean line, the second naming the extra to install."""
    spec_file = work / "query-clickhouse.json"
    spec_file.write_text(json.dumps({"kind": "segmentation"}), encoding="utf-8")
    outputs = []
    for url, expect in (("clickhousedb://default@127.0.0.1:9/default", None),
                        (f"chdb:///{(work / 'events-chdb').as_posix().lstrip('/')}", "tracklens[clickhouse]")):
        cmd = [str(cli), "query", "--db", url, "--spec", str(spec_file)]
        print(f"$ {' '.join(cmd)}", flush=True)
        proc = subprocess.run(cmd, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=120, check=False)
        out = proc.stdout.decode("utf-8", "replace")
        print("  | " + "\n  | ".join(out.rstrip().splitlines()[-5:]), flush=True)
        for marker in (*FATAL_MARKERS, "No module named", "Can't load plugin"):
            if marker in out:
                raise SmokeFailure(f"ClickHouse support broken in the bundle ({url}): printed {marker!r}")
        if proc.returncode == 0:
            raise SmokeFailure(f"a query against {url} succeeded?")
        if expect is not None and expect not in out:
            raise SmokeFailure(f"{url}: expected the install hint {expect!r}, got {out.strip()!r}")
        if len([line for line in out.splitlines() if line.strip()]) != 1:
            raise SmokeFailure(f"{url}: expected one line, got {out.strip()!r}")
        outputs.append(out)
    (work / "clickhouse-errors.txt").write_text("\n".join(outputs), encoding="utf-8")
    return "ClickHouse driver: loads (server refused in one line; chDB folder names the extra)"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header; SmokeFailure if it is not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise SmokeFailure(f"{path.name}: not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def check_png(path: Path) -> str:
    """A one-line description of a screenshot that looks like a real render."""
    if not path.is_file():
        raise SmokeFailure(f"{path.name}: missing")
    size = path.stat().st_size
    width, height = png_size(path)
    if size < MIN_PNG_BYTES:
        raise SmokeFailure(f"{path.name}: only {size} bytes")
    if min(width, height) < MIN_SIDE_PX:
        raise SmokeFailure(f"{path.name}: only {width}x{height} px")
    detail = ""
    try:
        from PIL import Image
    except ImportError:
        detail = " (install Pillow for the colour check)"
    else:
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            colours = rgb.getcolors(maxcolors=1 << 16)
            if colours is not None:
                top = max(count for count, _ in colours)
                if len(colours) < 8 or top > 0.995 * width * height:
                    raise SmokeFailure(f"{path.name}: blank render ({len(colours)} colours)")
                detail = f", {len(colours)} colours"
            else:
                detail = ", >65536 colours"
    return f"{path.name}: {width}x{height} px, {size / 1024:.0f} KiB{detail}"


def smoke(app: Path, cli: Path, expect_panels: list[str], events: int, timeout: float, keep: Path | None) -> list[str]:
    work = keep or Path(tempfile.mkdtemp(prefix="tracklens-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    env = clean_env(work / "home")
    cwd = work / "cwd"
    cwd.mkdir(exist_ok=True)
    report: list[str] = []

    version = project_version()
    out = run([str(cli), "--version"], env, cwd, 120)
    if version not in out:
        raise SmokeFailure(f"--version printed {out.strip()!r}, expected version {version}")
    report.append(f"version: {out.strip()}")

    db_file = work / "demo.sqlite"
    if db_file.exists():
        db_file.unlink()
    db_url = f"sqlite:///{db_file.as_posix()}"
    run([str(cli), "demo", "--db", db_url, "--events", str(events), "--seed", "7"], env, cwd, timeout)
    if not db_file.is_file() or db_file.stat().st_size == 0:
        raise SmokeFailure(f"demo did not create {db_file}")
    report.append(f"demo database: {db_file.stat().st_size / 1024:.0f} KiB (about {events} events requested)")

    report.append(check_enrichment(cli, db_url, env, work, timeout))
    report.append(check_postgres_driver(cli, env, work))
    report.append(check_clickhouse_driver(cli, env, work))

    shots = work / "shots"
    run([str(app), "--db", db_url, "--screenshot", str(shots), "--no-simulate"], env, cwd, timeout)
    pngs = sorted(p.name for p in shots.glob("*.png"))
    names = ["window.png", *(f"{pid}.png" for pid in expect_panels)]
    missing = [n for n in names if n not in pngs]
    if missing:
        raise SmokeFailure(f"screenshots missing: {', '.join(missing)} (got {', '.join(pngs) or 'none'})")
    if len(pngs) < 2:
        raise SmokeFailure(f"only {', '.join(pngs) or 'no PNGs'}: expected window.png and a panel")
    report.extend(check_png(shots / name) for name in pngs)
    report.append(f"screenshots in {shots}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", required=True, type=Path, help="the frozen GUI executable")
    parser.add_argument("--cli", type=Path, help="the frozen console executable (default: --app)")
    parser.add_argument("--expect-panels", default="", help="comma-separated panel ids that must have a PNG")
    parser.add_argument("--events", type=int, default=3000, help="demo events to generate")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per frozen-program run")
    parser.add_argument("--workdir", type=Path, help="keep the database and PNGs here")
    args = parser.parse_args(argv)
    app = args.app.resolve()
    cli = (args.cli or args.app).resolve()
    for exe in {app, cli}:
        if not exe.is_file():
            print(f"SMOKE TEST FAILED: {exe} does not exist (build first)", file=sys.stderr)
            return 2
    panels = [p for p in args.expect_panels.split(",") if p]
    try:
        report = smoke(app, cli, panels, args.events, args.timeout,
                       args.workdir.resolve() if args.workdir else None)
    except SmokeFailure as exc:
        print(f"SMOKE TEST FAILED: {exc}", file=sys.stderr)
        return 1
    print("smoke test passed:\n  " + "\n  ".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
