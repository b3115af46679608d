"""Saved reports: a named panel query, one JSON file each in the user's data folder.

A report file in `reports_dir()` holds `{"name", "panel", "query", "ui", "saved_at"}`. Shared
files (export/import, `*.tracklens.json`) hold the bare query only, so a colleague can run
the same file with `tracklens query --spec FILE` (which rejects unknown keys); the report's
name travels as the file name. Import accepts both forms. No Qt here: the CLI and tests use
it too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.files import write_text_atomically
from app.core.names import is_break
from app.core.paths import reports_dir

#: What shared report files are called (the `.json` suffix keeps editors and `--spec` happy).
EXPORT_SUFFIX = ".tracklens.json"
#: Which panel shows a query of each kind.
PANEL_FOR_KIND = {
    "segmentation": "segmentation",
    "funnel": "funnels",
    "retention": "retention",
    "live": "live",
    "users": "users",
    "funnel_persons": "users",
    "profile": "profile",
}


class ReportError(ValueError):
    """A report could not be saved, read or imported; one line for the user."""


#: Characters of a report's name: a list row, a menu or a title shows it (a name of 1.5 MB, or one
#: holding NUL or line breaks, was saved and listed as it was).
MAX_NAME_CHARS = 200


def check_report_name(name: str) -> str:
    """`name` without the blanks around it, or ReportError in one line: empty, longer than
    MAX_NAME_CHARS, or holding a control character or line break (a row would show two lines or
    a cut one). Bidirectional controls may stay: what shows a name writes them out (app.ui.plain)."""
    name = name.strip()
    if not name:
        raise ReportError("a report needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise ReportError(f"a report name may have at most {MAX_NAME_CHARS} characters (this one has {len(name):,})")
    if any(is_break(c) for c in name):
        raise ReportError("a report name may not hold a control character (a line break, a tab, NUL)")
    return name


def fitting_report_name(name: str, room: int = MAX_NAME_CHARS) -> str:
    """A shared file's name made one a report may have: each run of control characters and line
    breaks becomes one space, and a longer name is cut to `room` characters ending in "…"."""
    out: list[str] = []
    for char in name:
        if not is_break(char):
            out.append(char)
        elif out and out[-1] != " ":
            out.append(" ")
    fitted = "".join(out).strip()
    return fitted if len(fitted) <= room else fitted[: room - 1].rstrip() + "…"


#: Largest report file read: a query may have 1 MB (app.query.limits), its widget state less.
MAX_REPORT_BYTES = 2_000_000


def load_report_json(path: str | os.PathLike[str]) -> Any:
    """A report file's JSON, or ReportError in one line. Shared files come from anyone: one of
    several GB was read whole into memory, and one nested a few thousand levels deep raised
    RecursionError, which no caller expected (one such file in the reports folder broke
    listing, saving and importing every report)."""
    source = Path(path)
    try:
        with open(source, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise ReportError(f"cannot read {source.name}: {exc.strerror or exc}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportError(f"cannot read {source.name}: over {MAX_REPORT_BYTES:,} bytes, too large for a report")
    try:
        return json.loads(raw.decode("utf-8-sig"))  # Notepad starts its UTF-8 with a byte order mark
    except RecursionError:
        raise ReportError(f"cannot read {source.name}: nested too deeply") from None
    except ValueError as exc:  # not JSON, not UTF-8, an integer of more than 4,300 digits
        raise ReportError(f"cannot read {source.name}: {exc}") from None


@dataclass
class Report:
    """One saved report. `id` is its file's stem in the reports folder."""

    name: str
    panel: str
    query: dict[str, Any]
    ui: dict[str, Any] = field(default_factory=dict)
    saved_at: str = ""
    id: str = ""
    #: Keys of the file this version does not know (a newer Tracklens's): a rename keeps them.
    extra: dict[str, Any] = field(default_factory=dict)
    #: What import changed in the shared file's name (not saved): one phrase, or "".
    note: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "name": self.name, "panel": self.panel, "query": self.query, "ui": self.ui,
                "saved_at": self.saved_at}


def panel_for(query: Mapping[str, Any]) -> str:
    """The panel that shows `query`, from its kind."""
    kind = query.get("kind")
    if not isinstance(kind, str) or kind not in PANEL_FOR_KIND:
        raise ReportError(f"no panel shows queries of kind {kind!r}")
    return PANEL_FOR_KIND[kind]


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug[:60] or "report"


def _write_json(path: Path, data: Any, *, replace: bool = True) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a report. A
    folder that refuses it (read-only, full, a file in its place) is a ReportError: it raised
    out of the app's slots, and a file where the folder was made save() try names for ever.
    FileExistsError (`replace=False` and the name is taken) is left to save()."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot write {path} ({exc.strerror or exc})") from None
    try:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        text.encode("utf-8")
    except UnicodeEncodeError:  # a shared file's "\ud800": a traceback out of import
        raise ReportError("cannot save it: its name or query holds text that is not valid Unicode "
                          "(a lone surrogate such as \\ud800)") from None
    try:
        write_text_atomically(path, text, replace=replace)
    except FileExistsError:
        if replace:
            raise ReportError(f"cannot write {path} (File exists)") from None
        raise
    except OSError as exc:
        raise ReportError(f"cannot write {path} ({exc.strerror or exc})") from None


class ReportStore:
    """The saved reports of this user (a folder of JSON files)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else reports_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        #: Why each report file the last list() skipped could not be read (one line each).
        self.unreadable: list[str] = []

    def _path(self, report_id: str) -> Path:
        # Ids are file stems in the folder: Tracklens's own slugs, or the name of a file someone
        # copied in ("Weekly funnel.tracklens"); never a path out of the folder.
        if (not report_id or report_id.startswith(".") or any(c in report_id for c in "/\\\0")
                or Path(report_id).name != report_id):
            raise ReportError(f"not a report id: {report_id!r}")
        return self.folder / f"{report_id}.json"

    def list(self) -> list[Report]:
        """Every readable report, by name (case-insensitive). Unreadable files are skipped and
        their reasons kept in `unreadable` (the files are left as they are)."""
        out = []
        self.unreadable = []
        for path in self.folder.glob("*.json"):
            if path.name.startswith("."):
                continue  # a temporary file of a save in progress
            try:
                out.append(self._read(path))
            except ReportError as exc:
                self.unreadable.append(str(exc))
        return sorted(out, key=lambda r: (r.name.casefold(), r.id))

    def get(self, report_id: str) -> Report:
        path = self._path(report_id)
        if not path.exists():
            raise ReportError(f"report {report_id!r} does not exist")
        return self._read(path)

    def find(self, name: str) -> Report | None:
        for report in self.list():
            if report.name == name:
                return report
        return None

    def _read(self, path: Path) -> Report:
        data = load_report_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("query"), dict) or not data.get("name"):
            raise ReportError(f"{path.name} is not a saved report")
        panel = data.get("panel")
        kind = data["query"].get("kind")
        if isinstance(kind, str) and kind in PANEL_FOR_KIND:
            panel = PANEL_FOR_KIND[kind]  # the query's kind decides: another panel shows it as another query
        try:
            panel = panel if isinstance(panel, str) and panel else panel_for(data["query"])
        except ReportError as exc:
            raise ReportError(f"{path.name}: {exc}") from None
        extra = {k: v for k, v in data.items() if k not in ("name", "panel", "query", "ui", "saved_at")}
        saved_at = data.get("saved_at")  # a time Tracklens wrote; null or a number by hand is none
        return Report(name=str(data["name"]), panel=panel, query=data["query"], ui=_ui_state(data),
                      saved_at=saved_at if isinstance(saved_at, str) else "", id=path.stem, extra=extra)

    def save(self, name: str, panel: str, query: Mapping[str, Any], ui: Mapping[str, Any] | None = None, *,
             replace: bool = False) -> Report:
        """Save a report; a report with the same name is replaced only when `replace`."""
        name = check_report_name(name)
        existing = self.find(name)
        if existing is not None and not replace:
            raise ReportError(f"a report named {name!r} already exists")
        report = Report(name=name, panel=panel, query=json.loads(json.dumps(dict(query))), ui=dict(ui or {}),
                        saved_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), id="")
        if existing is not None:
            report.id, report.extra = existing.id, existing.extra
            _write_json(self._path(report.id), report.to_json())
            return report
        # A new file, never over one another window saved meanwhile under the same file name
        # ("Weekly funnel" and "weekly funnel" are both weekly-funnel.json): that report was
        # replaced without a word. The name is taken in the step that writes the file.
        while True:
            report.id = self._new_id(name)
            try:
                _write_json(self._path(report.id), report.to_json(), replace=False)
            except FileExistsError:
                continue
            return report

    def _new_id(self, name: str) -> str:
        base = _slug(name)
        candidate, n = base, 2
        while (self.folder / f"{candidate}.json").exists():
            candidate = f"{base}-{n}"
            n += 1
        return candidate

    def rename(self, report_id: str, name: str) -> Report:
        name = check_report_name(name)
        other = self.find(name)
        if other is not None and other.id != report_id:
            raise ReportError(f"a report named {name!r} already exists")
        report = self.get(report_id)
        report.name = name
        _write_json(self._path(report_id), report.to_json())
        return report

    def delete(self, report_id: str) -> None:
        path = self._path(report_id)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise ReportError(f"cannot delete {path} ({exc.strerror or exc})") from None

    # ----------------------------------------------------------------- sharing
    def export(self, report_id: str, path: str | os.PathLike[str]) -> Path:
        """Write the bare query, exactly what `tracklens query --spec` runs."""
        report = self.get(report_id)
        # Into a folder that exists (the file dialog's choice): none is created.
        return write_text_atomically(path, json.dumps(report.query, ensure_ascii=False, indent=2) + "\n")

    def import_file(self, path: str | os.PathLike[str], name: str | None = None) -> Report:
        """Import a shared query (or a report file); the name defaults to the file's name.

        An existing name gets " (2)", " (3)"… rather than overwriting a colleague's report.
        """
        source = Path(path)
        data = load_report_json(source)
        if not isinstance(data, dict):
            raise ReportError(f"{source.name} does not hold a query (a JSON object)")
        ui: dict[str, Any] = {}
        if isinstance(data.get("query"), dict):
            query, ui = data["query"], _ui_state(data)
            name = name or str(data.get("name") or "")
        else:
            query = data
        panel = panel_for(query)
        # A shared file's name is made to fit rather than refused: the query is what is shared,
        # the name can be changed afterwards (Rename), and the dialog says what was changed.
        given = (name or report_name_from_file(source)).strip()
        base = fitting_report_name(given) or "Imported report"
        final, n = base, 2
        while self.find(final) is not None:
            suffix = f" ({n})"
            final = fitting_report_name(base, MAX_NAME_CHARS - len(suffix)) + suffix
            n += 1
        report = self.save(final, panel, query, ui)
        notes = []
        if any(is_break(c) for c in given):
            notes.append("the control characters in its name (line breaks, tabs, NUL) became spaces")
        if len(fitting_report_name(given, len(given) + 1)) > MAX_NAME_CHARS:
            notes.append(f"its name of {len(given):,} characters was cut to {MAX_NAME_CHARS}")
        report.note = "; ".join(notes)
        return report


def _ui_state(data: Mapping[str, Any]) -> dict[str, Any]:
    """A report's widget state; anything but a JSON object (a hand-edited file) is dropped, so
    the report still opens with its query: `dict("x")` raised a ValueError that no caller
    expected, and one such file broke listing, saving and importing every report."""
    ui = data.get("ui")
    return dict(ui) if isinstance(ui, dict) else {}


def report_name_from_file(path: Path) -> str:
    name = path.name
    for suffix in (EXPORT_SUFFIX, ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def export_file_name(report: Report) -> str:
    safe = re.sub(r'[\\/:*?"<>|]+', "-", report.name).strip() or "report"
    return f"{safe}{EXPORT_SUFFIX}"
