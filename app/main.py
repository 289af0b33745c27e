"""Entry point of ``greenrfm-studio``: the clinician desktop app."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from greenrfm_core import paths
from greenrfm_core.resource_paths import demo_study_dir

log = logging.getLogger(__name__)

LOG_FILE_NAME = "greenrfm-studio.log"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenrfm-studio", description="GreenRFM Studio: read CT and MRI studies with a radiology model."
    )
    parser.add_argument("path", nargs="?", help="folder, DICOMDIR or NIfTI file to open at start-up")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo study with the demo model")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the demo study, run a prediction, write a screenshot and exit (0 when everything worked)",
    )
    parser.add_argument("--screenshot", type=Path, help="PNG file the self-test writes")
    parser.add_argument(
        "--language", choices=["auto", "en", "zh_CN"], help="user-interface language for this run"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser


def configure_logging(verbose: bool) -> Path:
    """Log to a rotating file in the log folder and to stderr; returns the log file path."""
    log_path = paths.log_dir() / LOG_FILE_NAME
    file_handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler.setFormatter(formatter)
    stream_handler = logging.StreamHandler(sys.stderr)
    stream_handler.setFormatter(formatter)
    stream_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.addHandler(file_handler)
    root.addHandler(stream_handler)
    return log_path


def demo_study_folder() -> Path:
    """Return the bundled demo study (``chest-ct-phantom`` inside the demo folder when present)."""
    root = demo_study_dir()
    candidate = root / "chest-ct-phantom"
    return candidate if candidate.is_dir() else root


NO_DISPLAY_MESSAGE = (
    "greenrfm-studio: no display found (DISPLAY and WAYLAND_DISPLAY are not set).\n"
    "Run it inside a desktop session, or without a screen under a virtual X server:\n"
    "    xvfb-run -a greenrfm-studio --demo\n"
    "or use the command-line demo, which needs no display:\n"
    "    greenrfm demo"
)


def display_missing(environ: Mapping[str, str] | None = None) -> bool:
    """Return True on Linux when Qt would find no display and abort.

    Setting ``QT_QPA_PLATFORM`` (for example to ``offscreen`` or ``xcb``) counts as a display choice.
    """
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    return not any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Without a display Qt prints an unhelpful hint and aborts with a core dump inside QApplication().
    if display_missing():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    configure_logging(args.verbose)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translators, resolve_language
    from app.main_window import MainWindow
    from app.self_test import DemoRun
    from app.settings import StudioSettings

    application = QApplication.instance() or QApplication([sys.argv[0]])
    application.setApplicationName("GreenRFM Studio")
    application.setOrganizationName("GreenRFM")
    settings = StudioSettings.load()
    language = resolve_language(args.language or settings.language)
    install_translators(language)
    log.info("starting GreenRFM Studio, language %s", language)

    window = MainWindow(settings, language)
    window.show()
    if not args.self_test:
        from app.first_run import show_first_run_dialog

        # Once per user; the window owns the non-modal dialog.
        show_first_run_dialog(window)
        # Non-modal too; it lists a training job that runs or was interrupted when the app last closed.
        QTimer.singleShot(0, window.offer_pending_training_job)
    if args.demo or args.self_test:
        try:
            study = demo_study_folder()
        except FileNotFoundError as error:
            print(f"greenrfm-studio: {error}", file=sys.stderr)
            return 1
        run = DemoRun(window, study, args.screenshot, exit_when_done=args.self_test)
        # Start inside the event loop: an exit() before exec() would be lost and the self-test would hang.
        QTimer.singleShot(0, run.start)
    elif args.path:
        window.open_path(args.path)
    return application.exec()


if __name__ == "__main__":
    sys.exit(main())
