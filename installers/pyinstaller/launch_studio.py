"""Entry script of the bundled ``greenrfm-studio`` executable (the same as the ``greenrfm-studio`` script)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Worker processes of a frozen app re-run this executable; freeze_support() hands them to multiprocessing.
    multiprocessing.freeze_support()
    from app.main import main

    sys.exit(main())
