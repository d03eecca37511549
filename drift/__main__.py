import os
import sys

from drift import early

early.start(sys.argv[1:], os.environ)  # before the command line loads: see drift.early

from drift.cli import main  # noqa: E402

main()
