"""Allow ``python -m greenrfm_core`` (and ``torchrun -m greenrfm_core``) to run the CLI."""

import sys

from greenrfm_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
