"""The ``drift`` command's entry point: the console script and ``python -m drift``.

Its first act, before click and the rest of the command line load, is to send the read-only
Directus requests the command line is about to make (:mod:`drift.early`, standard library only),
so that the server works while Python loads. Then :func:`drift.cli.main` runs the command.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from drift import early

    early.start(sys.argv[1:], os.environ)
    from drift.cli import main as run_command_line

    run_command_line()
