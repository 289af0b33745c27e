"""Run or parse every shell command shown in the READMEs and docs, so the docs cannot drift from the code.

Each fenced ```bash block in a checked file must follow an HTML comment that states how to check it:

``<!-- check -->``
    Run every line, in file order, in one scratch folder shared by all files (``GREENRFM_HOME`` points into
    it). Each line must exit with 0. ``greenrfm ...`` lines run in this process through
    ``greenrfm_core.cli.main``, the function behind the ``greenrfm`` console script. That saves the start-up
    time of one interpreter per line. Other lines run through ``bash``. A line already run with the same text
    (the Chinese page repeats the English commands) is not run twice.

``<!-- check static: REASON -->``
    Do not run the lines (REASON gives the cause: GUI main loop, installer, GPUs, long benchmark), but parse
    them: ``greenrfm`` and ``greenrfm-studio`` arguments go through the real argument parsers, ``torchrun`` options
    through torch's own parser, ``python SCRIPT.py --option`` needs the script and each option to exist,
    a shell script must exist and be executable,
    ``pip install`` must pin the installed torch version and name extras that ``pyproject.toml`` defines,
    and the pytest line must equal the one in ``.ci/run``.

Usage: ``python docs/check_commands.py [--list] [FILE ...]`` (default: the files in ``CHECKED_FILES``).
Exits with 0 when every command passed and 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECKED_FILES = [
    "README.md",
    "README.zh-CN.md",
    "docs/user-guide.md",
    "docs/user-guide.zh-CN.md",
    "docs/data-formats.md",
    "docs/scaling.md",
    "docs/benchmarks.md",
]
MARKER = re.compile(r"<!--\s*check(?:\s+(static):\s*(.*?))?\s*-->")
FENCE_OPEN = re.compile(r"^```(\w*)\s*$")


@dataclass
class Block:
    """One fenced bash block: its file, first line number, check mode and command lines."""

    path: Path
    line: int
    mode: str
    reason: str
    commands: list[str]


def read_blocks(path: Path) -> list[Block]:
    """Collect the ```bash blocks of ``path``; a block without a check marker gets mode ``missing``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        language = opening.group(1)
        start = index
        index += 1
        body = []
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        index += 1
        if language not in ("bash", "sh", "shell"):
            continue
        previous = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.search(previous)
        if marker is None:
            mode, reason = "missing", ""
        else:
            mode, reason = (marker.group(1) or "run"), (marker.group(2) or "")
        blocks.append(Block(path, start + 1, mode, reason, join_commands(body)))
    return blocks


def join_commands(body: list[str]) -> list[str]:
    """Join backslash-continued lines and drop comments and blank lines."""
    commands, pending = [], ""
    for raw in body:
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        commands.append((pending + line).strip())
        pending = ""
    if pending:
        commands.append(pending.strip())
    return commands


def strip_wrappers(argv: list[str]) -> list[str]:
    """Remove ``nice [-n N]`` and ``xvfb-run [options]`` in front of the program."""
    while argv:
        if argv[0] == "nice" and len(argv) > 2 and argv[1] == "-n":
            argv = argv[3:]
        elif argv[0] == "nice":
            argv = argv[1:]
        elif argv[0] == "xvfb-run":
            argv = argv[1:]
            while argv and argv[0].startswith("-"):
                argv = argv[2:] if argv[0] in ("-s", "--server-args", "-n", "--server-num") else argv[1:]
        else:
            return argv
    return argv


@contextlib.contextmanager
def parser_exit_as_error():
    """Turn argparse's ``SystemExit`` into an exception, except the exit with 0 after ``--help``."""
    try:
        yield
    except SystemExit as error:
        if error.code not in (0, None):
            raise ValueError(f"the argument parser rejected the arguments (exit code {error.code})") from None


def check_greenrfm_arguments(arguments: list[str]) -> None:
    from greenrfm_core.cli import build_parser

    with contextlib.redirect_stdout(open(os.devnull, "w")), parser_exit_as_error():
        build_parser().parse_args(arguments)


def check_studio_arguments(arguments: list[str]) -> None:
    from app.main import build_parser

    with contextlib.redirect_stdout(open(os.devnull, "w")), parser_exit_as_error():
        build_parser().parse_args(arguments)


def check_torchrun(arguments: list[str]) -> None:
    from torch.distributed.run import get_args_parser

    with parser_exit_as_error():
        parsed = get_args_parser().parse_args(arguments)
    if not parsed.module or parsed.training_script != "greenrfm_core":
        raise ValueError("torchrun must start the CLI with -m greenrfm_core")
    check_greenrfm_arguments(parsed.training_script_args)


def check_script(arguments: list[str]) -> None:
    script = REPO / arguments[0]
    if not script.is_file():
        raise ValueError(f"script {arguments[0]} not found in the repository")
    source = script.read_text(encoding="utf-8")
    for token in arguments[1:]:
        option = token.split("=", 1)[0]
        if option.startswith("--") and f'"{option}"' not in source:
            raise ValueError(f"{arguments[0]} defines no option {option}")


def check_pip_install(arguments: list[str]) -> None:
    import torch

    installed = torch.__version__.split("+", 1)[0]
    extras = defined_extras()
    for requirement in arguments:
        if requirement.startswith("torch=="):
            pinned = requirement.split("==", 1)[1]
            if pinned != installed:
                raise ValueError(f"the docs pin torch=={pinned} but torch {installed} is installed")
        bracket = re.fullmatch(r"\.\[(.*)\]", requirement)
        for extra in bracket.group(1).split(",") if bracket else []:
            if extra not in extras:
                raise ValueError(f"pyproject.toml defines no extra {extra!r}")


def defined_extras() -> set[str]:
    """Return the extra names of ``[project.optional-dependencies]`` in ``pyproject.toml``."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return set(re.findall(r"^([A-Za-z0-9_-]+)\s*=", section, flags=re.MULTILINE))


def ci_test_command() -> str:
    """Return the pytest line of ``.ci/run``."""
    for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        if "pytest" in line and not line.lstrip().startswith("#"):
            return line.strip()
    raise ValueError(".ci/run has no pytest line")


def check_static(command: str) -> None:
    """Parse one command line without running it; raise ``ValueError`` naming what does not match."""
    for segment in command.split("&&"):
        argv = strip_wrappers(shlex.split(segment))
        program = argv[0]
        if program == "greenrfm":
            check_greenrfm_arguments(argv[1:])
        elif program == "greenrfm-studio":
            check_studio_arguments(argv[1:])
        elif program == "torchrun":
            check_torchrun(argv[1:])
        elif program == "python" and argv[1:3] == ["-m", "pip"]:
            if argv[3] != "install":
                raise ValueError(f"unexpected pip command {argv[3]!r}")
            check_pip_install(argv[4:])
        elif program == "python" and argv[1:3] == ["-m", "pytest"]:
            if segment.strip() != ci_test_command():
                raise ValueError(f"the test command differs from .ci/run: {ci_test_command()!r}")
        elif program == "python" and argv[1].endswith(".py"):
            check_script(argv[1:])
        elif program.endswith(".sh"):
            if not os.access(REPO / program, os.X_OK):
                raise ValueError(f"{program} is missing or not executable")
        else:
            raise ValueError(f"no static check for the program {program!r}; add one to docs/check_commands.py")


def run_command(command: str, workdir: Path) -> int:
    """Run one documented command line in ``workdir`` and return its exit code."""
    argv = shlex.split(command)
    if argv and argv[0] == "greenrfm" and "&&" not in argv:
        from greenrfm_core.cli import main

        previous = Path.cwd()
        os.chdir(workdir)
        try:
            return main(argv[1:])
        except SystemExit as error:
            return error.code if isinstance(error.code, int) else 1
        finally:
            os.chdir(previous)
    completed = subprocess.run(["bash", "-c", command], cwd=workdir, check=False)
    return completed.returncode


def check_files(paths: list[Path], workdir: Path) -> list[str]:
    """Check every block of ``paths``; return one message per failure."""
    failures, already_run = [], set()
    for path in paths:
        for block in read_blocks(path):
            where = f"{path.relative_to(REPO)}:{block.line}"
            if block.mode == "missing":
                failures.append(f"{where}: bash block without a <!-- check --> or <!-- check static: ... --> line")
                continue
            if block.mode == "static" and not block.reason:
                failures.append(f"{where}: <!-- check static: ... --> needs the reason why it is not run")
            for command in block.commands:
                if block.mode == "static":
                    try:
                        check_static(command)
                        print(f"[static ok] {where}: {command}", flush=True)
                    except (ValueError, IndexError) as error:
                        failures.append(f"{where}: {command}\n    {error}")
                    continue
                if command in already_run:
                    print(f"[already run] {where}: {command}", flush=True)
                    continue
                started = time.perf_counter()
                print(f"[run] {where}: {command}", flush=True)
                code = run_command(command, workdir)
                print(f"[exit {code}, {time.perf_counter() - started:.1f} s]", flush=True)
                if code != 0:
                    failures.append(f"{where}: {command}\n    exited with {code}")
                else:
                    already_run.add(command)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="Markdown files to check (default: all docs)")
    parser.add_argument("--list", action="store_true", help="print the blocks and their modes, run nothing")
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.files] or [REPO / name for name in CHECKED_FILES]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"missing documentation files: {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.list:
        for path in paths:
            for block in read_blocks(path):
                print(f"{path.relative_to(REPO)}:{block.line} [{block.mode}] {block.reason}")
                for command in block.commands:
                    print(f"    {command}")
        return 0

    with tempfile.TemporaryDirectory(prefix="greenrfm-docs-") as scratch:
        workdir = Path(scratch)
        os.environ["GREENRFM_HOME"] = str(workdir / "home")
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            pass
        failures = check_files(paths, workdir)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"{'all documented commands passed' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
