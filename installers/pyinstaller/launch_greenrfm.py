"""Entry script of the bundled ``greenrfm`` command-line executable (the same as the ``greenrfm`` script)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Data-loader workers of a frozen app re-run this executable; freeze_support() hands them to multiprocessing.
    multiprocessing.freeze_support()
    from greenrfm_core.cli import main

    sys.exit(main())
