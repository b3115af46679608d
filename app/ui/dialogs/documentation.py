"""Help > Documentation: the user documentation shipped with the app, in a window of its own.

The pages come from the package (app.resources.user_docs, through importlib.resources), so
an installed or frozen app shows them without a source tree. QTextBrowser renders their
Markdown; its own source/history machinery resolves the relative links between pages
("query.md", "ingestion.md#time") against a custom scheme, so Back and Forward work, and a
link to a heading scrolls to it (Qt's Markdown import gives headings no anchors). Web links
open in the browser; links to files that are not shipped (benchmarks, source files) say so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.resources import user_docs

#: The scheme of shipped pages: "tracklens-docs:///query.md#users".
SCHEME = "tracklens-docs"


def page_url(name: str, fragment: str = "") -> QUrl:
    url = QUrl(f"{SCHEME}:///{name}")
    if fragment:
        url.setFragment(fragment)
    return url


def page_name(url: QUrl) -> str | None:
    """The shipped page a URL points at, or None (another scheme, or a file not shipped)."""
    if url.scheme() != SCHEME:
        return None
    name = url.path().lstrip("/")
    if name == user_docs.INDEX or user_docs.topic(name) is not None:
        return name
    return None


class DocumentationBrowser(QTextBrowser):
    """A QTextBrowser whose pages are the shipped Markdown files."""

    def loadResource(self, kind: int, name_or_url: QUrl | str) -> Any:
        url = QUrl(name_or_url)
        name = page_name(url)
        if name is not None and kind in (QTextDocument.ResourceType.MarkdownResource.value,
                                         QTextDocument.ResourceType.HtmlResource.value):
            return user_docs.shown_markdown(name)
        if name is not None:
            return None
        return super().loadResource(kind, url)

    def doSetSource(self, name: QUrl | str,
                    kind: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource) -> None:
        url = QUrl(name)
        super().doSetSource(url, QTextDocument.ResourceType.MarkdownResource)
        if url.fragment():
            self.scroll_to_heading(url.fragment())

    def scroll_to_heading(self, slug: str) -> bool:
        """Put the heading whose GitHub anchor is `slug` at the top; False when there is none."""
        block = self.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and user_docs.heading_slug(block.text()) == slug:
                bar = self.verticalScrollBar()
                bar.setValue(bar.maximum())  # so that the heading can end up at the top
                cursor = QTextCursor(block)
                self.setTextCursor(cursor)
                self.ensureCursorVisible()
                bar.setValue(int(self.document().documentLayout().blockBoundingRect(block).top()))
                return True
            block = block.next()
        return False


class DocumentationWindow(QWidget):
    """Topics on the left, the page on the right; a window of its own, never modal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("documentationWindow")
        self.setWindowTitle("Tracklens documentation")
        self.resize(1000, 700)

        self.topics = QListWidget(self)
        self.topics.setObjectName("documentationTopics")
        start = QListWidgetItem("Contents")
        start.setData(Qt.ItemDataRole.UserRole, user_docs.INDEX)
        self.topics.addItem(start)
        for topic in user_docs.TOPICS:
            item = QListWidgetItem(topic.title)
            item.setData(Qt.ItemDataRole.UserRole, topic.name)
            item.setToolTip(topic.summary)
            self.topics.addItem(item)
        self.topics.setMaximumWidth(260)

        self.browser = DocumentationBrowser(self)
        self.browser.setObjectName("documentationBrowser")
        self.browser.setOpenLinks(False)
        self.back_button = QPushButton("Back", self)
        self.back_button.setObjectName("documentationBack")
        self.forward_button = QPushButton("Forward", self)
        self.forward_button.setObjectName("documentationForward")
        self.note = QLabel("", self)
        self.note.setObjectName("documentationNote")
        self.note.setWordWrap(True)
        self.note.hide()

        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addWidget(self.forward_button)
        bar.addStretch(1)
        page = QWidget(self)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addLayout(bar)
        page_layout.addWidget(self.note)
        page_layout.addWidget(self.browser, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.topics)
        splitter.addWidget(page)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 780])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.back_button.clicked.connect(self.browser.backward)
        self.forward_button.clicked.connect(self.browser.forward)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.browser.forwardAvailable.connect(self.forward_button.setEnabled)
        self.back_button.setEnabled(False)
        self.forward_button.setEnabled(False)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Back), self, self.browser.backward)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Forward), self, self.browser.forward)
        self.browser.anchorClicked.connect(self.follow_link)
        self.browser.sourceChanged.connect(self._on_source_changed)
        self.topics.currentItemChanged.connect(self._on_topic_chosen)
        self.show_page(user_docs.INDEX)

    # ----------------------------------------------------------------- navigation
    def current_page(self) -> str | None:
        return page_name(self.browser.source())

    def show_page(self, name: str, fragment: str = "") -> None:
        """Open a shipped page (`user_docs.INDEX` or a topic's file name), at a heading if given."""
        if page_name(page_url(name)) is None:
            raise ValueError(f"not a documentation page: {name!r}")
        self.browser.setSource(page_url(name, fragment), QTextDocument.ResourceType.MarkdownResource)

    def follow_link(self, url: QUrl) -> None:
        """A clicked link: another page (or a heading), the web browser, or a note."""
        target = self.browser.source().resolved(url) if url.isRelative() else url
        name = page_name(target)
        if name is not None:
            if name == self.current_page() and target.fragment():
                self.browser.scroll_to_heading(target.fragment())
                return
            self.show_page(name, target.fragment())
        elif target.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(target)
        else:
            shown = target.path().lstrip("/") if target.scheme() == SCHEME else target.toString()
            self.note.setText(f"{shown} is not part of the documentation shipped with the app; "
                              "it is in the project's docs folder.")
            self.note.show()

    def _on_source_changed(self, url: QUrl) -> None:
        self.note.setText("")
        self.note.hide()
        name = page_name(url)
        for row in range(self.topics.count()):
            item = self.topics.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                self.topics.blockSignals(True)
                self.topics.setCurrentRow(row)
                self.topics.blockSignals(False)
                break
        topic = user_docs.topic(name or "")
        self.setWindowTitle(f"{topic.title} — Tracklens documentation" if topic else "Tracklens documentation")

    def _on_topic_chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            name = str(item.data(Qt.ItemDataRole.UserRole))
            if name != self.current_page():
                self.show_page(name)
