"""Command-line entry point ``greenrfm``.

Each subcommand lives in its own module in this package and exposes ``register(subparsers)``, which adds its
parser and sets ``func`` to a callable taking the parsed arguments and returning an exit code. Modules are
discovered at start-up, so adding a command means adding a file.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import traceback

from greenrfm_core import __version__


def _input_error_types() -> tuple[type[BaseException], ...]:
    """Return the exception types that mean bad user input (exit code 2)."""
    from greenrfm_core.io.errors import StudyLoadError

    # SchemaError, ModelFolderError, LabelsFileError and ReportsError subclass ValueError.
    return (StudyLoadError, OSError, ValueError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenrfm",
        description="GreenRFM Studio command-line tools: scan and convert studies, label reports, "
        "train, evaluate, export and predict.",
    )
    parser.add_argument("--version", action="version", version=f"greenrfm {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except _input_error_types() as error:
        # Bad input (a missing file, an empty folder, an unreadable series) gets one line, not a traceback.
        # Any other exception type is a bug and propagates with its traceback.
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        print(f"greenrfm {args.command}: error: {error}", file=sys.stderr)
        return 2
