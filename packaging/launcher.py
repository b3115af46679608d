"""Entry script of the frozen build (`tracklens`, and `tracklens-cli` on Windows).

It is the same `tracklens` console script a pip install gets: the frozen build must behave like
the installed one, so this only adds what freezing needs.
"""

import multiprocessing
import os
import sys


def _give_windowed_builds_stdio() -> None:
    """The Windows windowed exe starts with sys.stdout/sys.stderr set to None.

    print() copes with that, but anything that writes to the streams directly (progress bars,
    logging handlers, click.echo(err=True)) would crash the app with AttributeError; point them
    at the null device instead.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115  (lives as long as the process)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _give_windowed_builds_stdio()

    from app.cli.main import main

    sys.exit(main())
