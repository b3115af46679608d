"""The user documentation shipped inside the app (Help > Documentation), Qt-free.

The files in app/resources/docs/ are byte-for-byte copies of the project's docs/*.md that
users need (a test fails when one differs): docs/ stays what readers of the repository
follow and edit, the copies are what an installed or frozen app can read through
importlib.resources, where no source tree exists. Benchmark tables and the architecture
notes are not shipped; developer sections of the shipped files are left out when shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.resources import resource

#: The folder of the copies, inside app/resources.
FOLDER = "docs"
#: The start page's name: generated from TOPICS, not a file.
INDEX = "index.md"


@dataclass(frozen=True)
class Topic:
    """One shipped file (`name` in docs/ and in app/resources/docs/) and how it is listed."""

    name: str
    title: str
    summary: str
    #: Sections (headings starting with these words) left out when shown: for developers.
    skip: tuple[str, ...] = ("For developers",)


TOPICS: tuple[Topic, ...] = (
    Topic("ui.md", "Using the app", "the window, Segmentation, Live View, settings and files"),
    Topic("ui_part2.md", "Funnels, users and reports", "Funnels, User explorer, User profile, saved reports"),
    Topic("query.md", "Queries", "the JSON query language of every panel, saved report and `tracklens query`"),
    Topic("ingestion.md", "Getting events in", "messages, identity merge, enrichment, `import`, `demo`"),
    Topic("collector.md", "The HTTP collector", "`tracklens collect`: send events from your apps"),
    Topic("schema.md", "The event database", "the tables, for plain SQL"),
    Topic("clickhouse.md", "ClickHouse", "connecting to ClickHouse servers, clusters and embedded chDB"),
    Topic("messages.md", "Messages", "e-mail or notify a saved audience exactly once, and measure it"),
    Topic("destinations.md", "Destinations", "forward the collected events to webhooks, Segment, Mixpanel"),
    Topic("install.md", "Installing", "the installers, bundle size and known limits",
          skip=("Building from source", "Signing secrets")),
)

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def topic(name: str) -> Topic | None:
    return next((t for t in TOPICS if t.name == name), None)


def raw_text(name: str) -> str:
    """A shipped file exactly as packaged (FileNotFoundError names a missing one)."""
    return resource(f"{FOLDER}/{name}").read_text(encoding="utf-8")


def shown_markdown(name: str) -> str:
    """What the documentation window shows for `name`: the start page, or a topic without its
    developer sections and with its screenshots (not shipped) as their captions."""
    if name == INDEX:
        return index_markdown()
    found = topic(name)
    if found is None:
        raise FileNotFoundError(f"{name!r} is not part of the bundled documentation")
    text = without_sections(raw_text(name), found.skip)
    return _IMAGE.sub(lambda m: f"*(Screenshot: {m.group(1)})*", text)


def without_sections(text: str, skip: tuple[str, ...]) -> str:
    """`text` without the sections whose heading starts with one of `skip` (their subsections
    too); lines in fenced code are never headings."""
    out: list[str] = []
    fenced = False
    skipping_level = 0
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading is not None:
            level = len(heading.group(1))
            if skipping_level and level <= skipping_level:
                skipping_level = 0
            if not skipping_level and heading.group(2).startswith(skip):
                skipping_level = level
        if not skipping_level:
            out.append(line)
    return "".join(out)


def index_markdown() -> str:
    """The start page: every topic with what it covers, linked."""
    lines = ["# Tracklens documentation", "",
             "Tracklens is a desktop product-analytics viewer for your own event database. "
             "Pick a topic on the left or below; links between topics work as in a browser "
             "(Back: Alt+Left).", ""]
    lines += [f"- [{t.title}]({t.name}) — {t.summary}" for t in TOPICS]
    lines += ["", "The same pages are in the project's `docs` folder, with benchmark tables and "
              "architecture notes for developers."]
    return "\n".join(lines) + "\n"


def heading_slug(text: str) -> str:
    """GitHub's anchor for a heading: `### What is refused` is `#what-is-refused`."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return slug.replace(" ", "-")
