"""Help > Documentation: the user docs shipped as package data, in a window with linked topics."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction

from app.resources import user_docs
from app.ui.dialogs.documentation import DocumentationWindow

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_copies_equal_the_docs_folder() -> None:
    """One text, two places: docs/ for the repository's readers, app/resources/docs for the app."""
    shipped = sorted(p.name for p in (ROOT / "app" / "resources" / "docs").glob("*.md"))
    assert shipped == sorted(t.name for t in user_docs.TOPICS)
    stale = [t.name for t in user_docs.TOPICS if user_docs.raw_text(t.name) != (ROOT / "docs" / t.name).read_text("utf-8")]
    assert not stale, "the app's copies differ from docs/; run: " + "; ".join(
        f"cp docs/{name} app/resources/docs/{name}" for name in stale)


def test_no_benchmark_or_developer_pages_are_shipped() -> None:
    names = {t.name for t in user_docs.TOPICS}
    assert not {"architecture.md"} & names and not any(n.startswith("benchmarks") for n in names)
    ui = user_docs.shown_markdown("ui.md")
    assert "## Using it" in ui and "For developers" not in ui and "Panel API" not in ui
    install = user_docs.shown_markdown("install.md")
    assert "## Windows" in install and "Signing secrets" not in install and "Building from source" not in install
    # A '#' comment inside a fenced block is not a heading (install.md's build commands are gone, not cut mid-way).
    assert install.count("```") % 2 == 0
    # Screenshots are not shipped: their captions stay.
    assert "](screenshots/" not in user_docs.shown_markdown("messages.md")


def test_heading_slugs_are_githubs() -> None:
    assert user_docs.heading_slug("What is refused") == "what-is-refused"
    assert user_docs.heading_slug("Identity (Mixpanel's simplified ID merge)") == "identity-mixpanels-simplified-id-merge"


def test_help_documentation_opens_the_query_docs_and_links_navigate(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    help_menu = window.menuBar().actions()[-1].menu()
    entries = [a.text().replace("&", "") for a in help_menu.actions() if not a.isSeparator()]
    assert entries[0] == "Documentation" and "Keyboard shortcuts" in entries and "About Tracklens" in entries
    action = window.findChild(QAction, "documentation")
    action.trigger()
    docs = window.findChild(DocumentationWindow, "documentationWindow")
    assert docs is not None and docs.isVisible() and not docs.isModal()
    assert window.show_documentation() is docs  # one window, raised again
    assert docs.current_page() == user_docs.INDEX
    topics = [docs.topics.item(r).text() for r in range(docs.topics.count())]
    assert topics[0] == "Contents" and "Queries" in topics and "ClickHouse" in topics

    # The query documentation, chosen in the topic list.
    docs.topics.setCurrentRow(topics.index("Queries"))
    assert docs.current_page() == "query.md"
    assert "Query engine and JSON query reference" in docs.browser.toPlainText()
    assert docs.windowTitle().startswith("Queries")

    # A link to another topic (query.md links to nothing else; destinations.md links to query.md).
    docs.follow_link(QUrl("ingestion.md#time"))
    assert docs.current_page() == "ingestion.md"
    assert docs.topics.currentItem().text() == "Getting events in"
    assert docs.browser.verticalScrollBar().value() > 0  # scrolled to "### Time"
    docs.browser.backward()
    assert docs.current_page() == "query.md"
    # A link to a file that is not shipped says so and stays put.
    docs.follow_link(QUrl("benchmarks/query.md"))
    assert docs.current_page() == "query.md" and "not part of the documentation" in docs.note.text()

    if os.environ.get("TRACKLENS_SHOT_DIR"):
        docs.grab().save(str(Path(os.environ["TRACKLENS_SHOT_DIR"]) / "documentation.png"))


def test_clicked_links_in_a_page_navigate(qtbot: Any) -> None:
    docs = DocumentationWindow()
    qtbot.addWidget(docs)
    docs.show()
    qtbot.waitExposed(docs)
    # A real click on the start page's "The HTTP collector" link.
    found = docs.browser.document().find("The HTTP collector")
    assert not found.isNull() and found.charFormat().isAnchor()
    found.setPosition(found.selectionStart() + 3)
    spot = docs.browser.cursorRect(found).center()
    qtbot.mouseClick(docs.browser.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(lambda: docs.current_page() == "collector.md", timeout=5_000)
    assert docs.browser.toPlainText().startswith("The HTTP collector")

    docs.show_page("destinations.md")
    # The browser reports its own links through anchorClicked; a relative one resolves against the page.
    docs.browser.anchorClicked.emit(QUrl("query.md"))
    assert docs.current_page() == "query.md"
    docs.browser.anchorClicked.emit(QUrl("#limits"))
    assert docs.current_page() == "query.md" and docs.browser.verticalScrollBar().value() > 0
    # Every topic on the start page is a working link.
    docs.show_page(user_docs.INDEX)
    for topic in user_docs.TOPICS:
        docs.browser.anchorClicked.emit(QUrl(topic.name))
        assert docs.current_page() == topic.name
        assert docs.browser.toPlainText().strip()
