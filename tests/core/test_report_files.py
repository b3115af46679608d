"""Saved report files as people handle them (new-user defect hunt): edited by hand, copied into
the reports folder, exported from any panel and imported back. One odd file must not break the
other reports, and no file is rewritten or lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.reports import ReportError, ReportStore

SEGMENTATION = {"kind": "segmentation", "events": ["Order Completed"]}


@pytest.mark.parametrize("ui", ["compact", 5, ["chart"], None])
def test_a_hand_edited_ui_state_breaks_nothing(tmp_path: Path, ui: object) -> None:
    """`"ui": "compact"` raised a ValueError out of ReportStore.list(), so one such file stopped
    the Reports dialog from opening and every Ctrl+S and import from saving."""
    store = ReportStore(tmp_path)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({"name": "Edited", "panel": "segmentation", "query": SEGMENTATION, "ui": ui}))
    before = edited.read_bytes()
    assert [(r.name, r.ui) for r in store.list()] == [("Edited", {})]
    assert store.get("edited").query == SEGMENTATION
    assert store.save("Another", "segmentation", SEGMENTATION).name == "Another"
    shared = tmp_path.parent / f"shared-{tmp_path.name}.tracklens.json"
    shared.write_text(json.dumps({"name": "Shared", "query": SEGMENTATION, "ui": ui}))
    assert store.import_file(shared).name == "Shared"
    assert sorted(r.name for r in store.list()) == ["Another", "Edited", "Shared"]
    assert edited.read_bytes() == before


def test_unreadable_files_are_named_and_left_alone(tmp_path: Path) -> None:
    store = ReportStore(tmp_path)
    store.save("Good", "segmentation", SEGMENTATION)
    (tmp_path / "typo.json").write_text('{"name": "Typo", "query": {"kind": "segmentation"},}')
    (tmp_path / "no-query.json").write_text('{"name": "No query"}')
    (tmp_path / ".tmp-abc.json").write_text('{"name": "Half writ')
    assert [r.name for r in store.list()] == ["Good"]
    typo, no_query = sorted(store.unreadable)
    assert typo.startswith("cannot read typo.json: ") and "line 1 column 52" in typo
    assert no_query == "no-query.json is not a saved report"
    assert (tmp_path / "typo.json").read_text().endswith("},}")


def test_a_file_copied_into_the_folder_opens(tmp_path: Path) -> None:
    """Its id is its file name, which is not one of Tracklens's own slugs."""
    store = ReportStore(tmp_path)
    (tmp_path / "Weekly Orders.tracklens.json").write_text(
        json.dumps({"name": "Weekly orders", "query": SEGMENTATION}))
    [report] = store.list()
    assert store.get(report.id).query == SEGMENTATION
    store.rename(report.id, "Orders per week")
    assert [r.name for r in store.list()] == ["Orders per week"]
    for bad in ("../x", "..", ".hidden", "a/b", ""):
        with pytest.raises(ValueError, match="not a report id"):
            store.get(bad)


@pytest.mark.parametrize(("query", "panel"), [
    ({"kind": "retention", "start": "Signed Up", "return": "Order Completed"}, "retention"),
    ({"kind": "live"}, "live"),
])
def test_an_exported_report_of_any_panel_imports_back(tmp_path: Path, query: dict[str, object], panel: str) -> None:
    """Retention and Live View reports exported as bare queries were refused on import ("no panel
    shows queries of kind 'retention'"), so double-clicking a shared one opened nothing."""
    store = ReportStore(tmp_path / "reports")
    saved = store.save("Mine", panel, query)
    exported = store.export(saved.id, tmp_path / "Mine.tracklens.json")
    other = ReportStore(tmp_path / "colleague")
    imported = other.import_file(exported)
    assert (imported.name, imported.panel, imported.query) == ("Mine", panel, query)


def test_hostile_and_notepad_report_files(tmp_path: Path) -> None:
    """A file nested thousands of levels deep raised RecursionError out of list() (every report
    gone from the dialog, saving and importing broken); a huge one was read whole into memory;
    Notepad's byte order mark made a hand-edited report unreadable."""
    from app.core.reports import MAX_REPORT_BYTES, ReportError

    store = ReportStore(tmp_path / "reports")
    store.save("Good", "segmentation", SEGMENTATION)
    (tmp_path / "reports" / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "reports" / "huge.json").write_text('{"name": "' + "x" * MAX_REPORT_BYTES + '"}')
    (tmp_path / "reports" / "notepad.json").write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"name": "Edited in Notepad", "query": SEGMENTATION}).encode())
    assert [r.name for r in store.list()] == ["Edited in Notepad", "Good"]
    assert sorted(store.unreadable) == ["cannot read deep.json: nested too deeply",
                                        f"cannot read huge.json: over {MAX_REPORT_BYTES:,} bytes, too large for a report"]
    with pytest.raises(ReportError, match="nested too deeply"):
        store.import_file(tmp_path / "reports" / "deep.json")


def test_two_windows_saving_reports_with_the_same_file_name_keep_both(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A report saved while another window saves one whose name makes the same file name
    ('Weekly funnel', 'weekly funnel': weekly-funnel.json) after this one chose it: the file was
    replaced, and the other window's report lost without a word. Here the other window saves
    between the choice of the file name and the write."""
    mine, other = ReportStore(tmp_path), ReportStore(tmp_path)
    choose = ReportStore._new_id
    raced: list[str] = []

    def choose_then_other_window_saves(self: ReportStore, name: str) -> str:
        chosen = choose(self, name)
        if self is mine and not raced:
            raced.append(other.save("weekly funnel", "segmentation", SEGMENTATION).id)
        return chosen

    monkeypatch.setattr(ReportStore, "_new_id", choose_then_other_window_saves)
    saved = mine.save("Weekly funnel", "segmentation", {**SEGMENTATION, "events": ["Signed Up"]})
    assert raced == ["weekly-funnel"] and saved.id == "weekly-funnel-2"
    reports = {r.name: r.query["events"] for r in ReportStore(tmp_path).list()}
    assert reports == {"weekly funnel": ["Order Completed"], "Weekly funnel": ["Signed Up"]}


@pytest.mark.parametrize("saved_at", [None, 5, ["2026-01-01"]])
def test_a_hand_edited_save_time_that_is_not_a_time_is_none(tmp_path: Path, saved_at: object) -> None:
    """`"saved_at": null` showed as 'None' in the Reports dialog's Saved column (5 as '5', a list
    as its text), and a rename wrote 'None' back into the file as the save time."""
    store = ReportStore(tmp_path)
    (tmp_path / "edited.json").write_text(json.dumps({"name": "Edited", "panel": "segmentation",
                                                      "query": SEGMENTATION, "saved_at": saved_at}))
    assert store.get("edited").saved_at == ""
    store.rename("edited", "Renamed")
    assert json.loads((tmp_path / "edited.json").read_text())["saved_at"] == ""


@pytest.mark.parametrize("text", ['{"name": "Bad \\ud800 name", "query": {"kind": "segmentation"}}',
                                  '{"name": "Bad event", "query": {"kind": "segmentation", "events": ["\\udfff"]}}'])
def test_a_shared_report_with_a_lone_surrogate_is_refused_in_one_line(tmp_path: Path, text: str) -> None:
    """Importing a shared file whose name or query held "\\ud800" raised UnicodeEncodeError out
    of import_file (a traceback from the Reports dialog's Import), and left nothing behind."""
    store = ReportStore(tmp_path / "reports")
    shared = tmp_path / "shared.tracklens.json"
    shared.write_text(text)
    with pytest.raises(ReportError, match=r"^cannot save it: its name or query holds text that is not valid Unicode"):
        store.import_file(shared)
    assert store.list() == []


@pytest.mark.parametrize("name", ["a\0b", "first line\nsecond", "tab\there", "x" * 1_500_000, "line\u2028break"])
def test_a_report_name_with_control_characters_or_of_megabytes_is_refused(tmp_path: Path, name: str) -> None:
    """Save and Rename took a name of 1.5 MB, or one holding NUL or a line break, and the list
    showed it as it was; now one line says why, and nothing is written."""
    store = ReportStore(tmp_path)
    query = {"kind": "segmentation", "events": [{"event": "A"}]}
    with pytest.raises(ReportError, match=r"at most 200 characters|control character") as raised:
        store.save(name, "segmentation", query)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 200
    assert store.list() == []
    kept = store.save("Weekly", "segmentation", query)
    with pytest.raises(ReportError, match=r"at most 200 characters|control character"):
        store.rename(kept.id, name)
    assert [r.name for r in store.list()] == ["Weekly"]
    assert store.save("x" * 200, "segmentation", query).name == "x" * 200  # the longest that fits
    assert store.save("right\u202eleft", "segmentation", query).name == "right\u202eleft"  # shown written out


def test_a_shared_report_with_an_odd_name_is_imported_under_a_name_that_fits(tmp_path: Path) -> None:
    """A shared report file named with line breaks, NUL or 1.5 MB of text was imported with that
    name; the query is what is shared, so it comes in under the name made to fit, with a note."""
    store = ReportStore(tmp_path / "reports")
    query = {"kind": "segmentation", "events": [{"event": "A"}]}
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"name": "Weekly\r\n\0signups", "query": query}), encoding="utf-8")
    report = store.import_file(odd)
    assert report.name == "Weekly signups" and "control characters" in report.note
    long = tmp_path / "long.json"
    long.write_text(json.dumps({"name": "y" * 1_500_000, "query": query}), encoding="utf-8")
    first, second = store.import_file(long), store.import_file(long)
    assert first.name == "y" * 199 + "…" and "cut to 200" in first.note
    assert second.name == "y" * 195 + "… (2)" and len(second.name) == 200
    assert store.import_file(odd).name == "Weekly signups (2)"
    assert all(len(r.name) <= 200 and "\n" not in r.name and "\0" not in r.name for r in store.list())
