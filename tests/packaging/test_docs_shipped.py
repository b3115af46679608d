"""Help > Documentation's pages ship in wheels and in the frozen app (package data, not docs/)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from app.resources import user_docs

from .conftest import ROOT


def test_wheels_carry_the_documentation() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["app.resources"]
    for topic in user_docs.TOPICS:
        assert any(fnmatch(f"docs/{topic.name}", pattern) for pattern in patterns), topic.name


@pytest.mark.slow
def test_the_frozen_app_carries_the_documentation(spec_run: dict[str, Any]) -> None:
    (analysis,) = spec_run["recorded"]["Analysis"]
    dests = {(Path(dest) / Path(src).name).as_posix() for src, dest in analysis.kwargs["datas"]}
    for topic in user_docs.TOPICS:
        assert f"app/resources/docs/{topic.name}" in dests
