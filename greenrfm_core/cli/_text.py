"""Plain-text helpers shared by the subcommand modules."""

from __future__ import annotations

import re

_ROLE = re.compile(r":[a-z]+:`([^`]*)`")


def plain_help(docstring: str | None) -> str:
    """Strip reStructuredText literals (double backticks) and roles such as :class:`Name` for ``--help`` text."""
    text = _ROLE.sub(r"\1", docstring or "")
    return text.replace("``", "")
