"""Entry script of the frozen build (both `tracklens` and, on Windows, `tracklens-cli`).

It is the same `tracklens` console script as a pip install: the frozen build must behave like
the installed one, so this only adds what freezing needs (multiprocessing's frozen-child hook).
"""

import multiprocessing
import sys

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
