"""Start a training command with its stdout and stderr appended to a log file.

``python -m greenrfm_core.library.launch --log FILE -- PROGRAM ARGS...``

The GUI starts training detached so it survives the window, and detached starts cannot redirect output in
PySide6 6.12 (``QProcess.startDetached()`` on an instance returns no pid there). This launcher redirects
the output itself. On POSIX it then replaces itself with the command through ``os.execv``, so the pid the
GUI recorded is the training process and signals reach it. On Windows, where ``execv`` starts a new
process, it runs the command as a child and exits with the child's exit code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m greenrfm_core.library.launch")
    parser.add_argument("--log", required=True, help="file that receives stdout and stderr (appended)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- PROGRAM ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("missing the command to run after --")
    os.environ["PYTHONUNBUFFERED"] = "1"
    log = open(args.log, "ab", buffering=0)  # noqa: SIM115 - inherited by the command, never closed here
    if os.name == "posix":
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        os.execv(command[0], command)
    return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
