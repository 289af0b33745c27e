"""Every command shown in the READMEs and docs runs (or parses) as documented; see docs/check_commands.py."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHECKER = REPO / "docs" / "check_commands.py"


def load_checker():
    spec = importlib.util.spec_from_file_location("check_commands", CHECKER)
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while the file runs.
    sys.modules["check_commands"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_documented_commands_pass(tmp_path):
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "GREENRFM_HOME": str(tmp_path / "home")}
    completed = subprocess.run(
        [sys.executable, str(CHECKER)], cwd=tmp_path, env=environment, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    assert "all documented commands passed" in completed.stdout


def test_readme_test_command_matches_ci():
    ci_line = load_checker().ci_test_command()
    assert ci_line == 'xvfb-run -a -s "-screen 0 1280x800x24" python -m pytest -q'
    for name in ("README.md", "README.zh-CN.md"):
        text = (REPO / name).read_text(encoding="utf-8")
        assert f"&& {ci_line}\n" in text, f"{name} does not end its test command with the .ci/run line"


def test_checker_rejects_unmarked_block(tmp_path):
    checker = load_checker()
    page = tmp_path / "page.md"
    page.write_text("Text\n\n```bash\ngreenrfm scan .\n```\n", encoding="utf-8")
    blocks = checker.read_blocks(page)
    assert [block.mode for block in blocks] == ["missing"]


def test_checker_rejects_unknown_option():
    checker = load_checker()
    bad_lines = [
        "greenrfm train --task chest-ct --no-such-option 1",
        "greenrfm-studio --no-such-option",
        "torchrun --nproc_per_node 2 -m greenrfm_core train --no-such-option",
        "python benchmarks/loading.py --no-such-option 3",
        "python -m pip install torch==0.0.1",
        'python -m pip install -e ".[no-such-extra]"',
        "xvfb-run -a python -m pytest -x",
    ]
    for line in bad_lines:
        try:
            checker.check_static(line)
        except ValueError:
            continue
        raise AssertionError(f"the static check accepted {line!r}")


def test_checker_reads_static_reason_and_continuations(tmp_path):
    checker = load_checker()
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- check static: needs GPUs -->\n```bash\n# comment\ngreenrfm train \\\n  --help\n```\n",
        encoding="utf-8",
    )
    (block,) = checker.read_blocks(page)
    assert block.mode == "static"
    assert block.reason == "needs GPUs"
    assert block.commands == ["greenrfm train    --help"]
