"""Entry point of ``greenrfm-studio``; the viewer window replaces this placeholder."""

import sys


def main() -> int:
    print("greenrfm-studio: the viewer is not built yet; use the greenrfm command line.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
