"""Report text structure: sections, sentences and language detection for English and Chinese reports."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CUES_PATH = Path(__file__).resolve().parent / "cues.json"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Abbreviations whose trailing period does not end a sentence.
_ABBREVIATIONS = ("e.g", "i.e", "vs", "approx", "dr", "mr", "mrs", "ms", "fig", "cf", "st", "resp")
_HARD_BREAK = re.compile(r"[。；;！？!?\n]")
_PERIOD = re.compile(r"\.(?=\s|$|[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report with its character span and section."""

    text: str
    start: int
    end: int
    section: str


@lru_cache(maxsize=1)
def load_cues() -> dict:
    """Return the cue data (negation, uncertainty, terminators, section headers) from ``cues.json``."""
    with open(CUES_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def detect_language(text: str) -> str:
    """Return ``"zh"`` when the text contains Chinese characters, otherwise ``"en"``."""
    return "zh" if _CJK.search(text) else "en"


@lru_cache(maxsize=1)
def _section_patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for section, expressions in load_cues()["sections"].items():
        for expression in expressions:
            patterns.append((section, re.compile(expression)))
    return patterns


def split_sections(text: str) -> list[tuple[str, int, int]]:
    """Split a report at section headers such as ``FINDINGS:``, ``IMPRESSION:``, ``检查所见：`` or ``印象：``.

    Returns:
        ``(section, start, end)`` spans covering the text after each header. Text before the first header gets
        section ``findings`` when an impression header follows, else ``""``; ``ignored`` marks history,
        indication, comparison and technique sections.
    """
    headers = []
    for section, pattern in _section_patterns():
        for match in pattern.finditer(text):
            headers.append((match.start(), match.end(), section))
    headers.sort()
    # Drop headers nested in a longer one found at the same place (``所见：`` inside ``检查所见：``).
    kept: list[tuple[int, int, str]] = []
    for header in headers:
        if kept and header[0] < kept[-1][1]:
            if header[1] - header[0] > kept[-1][1] - kept[-1][0]:
                kept[-1] = header
            continue
        kept.append(header)

    spans = []
    # Text before the first header is the findings when an impression header follows it.
    leading = "findings" if any(header[2] == "impression" for header in kept) else ""
    position, section = 0, leading
    for start, end, next_section in kept:
        if start > position:
            spans.append((section, position, start))
        position, section = end, next_section
    if position < len(text):
        spans.append((section, position, len(text)))
    return spans


def _is_abbreviation(text: str, period: int) -> bool:
    word_start = period
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:period].lower()
    return word in _ABBREVIATIONS


def _is_wrapped_line(text: str, position: int) -> bool:
    """Return True for a newline inside an English sentence (lower-case letter or comma, newline, lower-case)."""
    if text[position] != "\n" or position == 0 or position + 1 >= len(text):
        return False
    return (text[position - 1].islower() or text[position - 1] == ",") and text[position + 1].islower()


def split_sentences(text: str) -> list[Sentence]:
    """Split a report into sentences, keeping character offsets into ``text``.

    Sentences end at 。；;！？!?, at newlines other than a wrapped English line, and at a period followed by white
    space or the end, except after
    an abbreviation (e.g., vs., approx.). Periods inside numbers such as 2.3 never end a sentence because no
    white space follows them. Sentences in ignored sections (history, indication, comparison, technique)
    are left out.
    """
    sentences = []
    for section, section_start, section_end in split_sections(text):
        if section == "ignored":
            continue
        breaks = [match.end() for match in _HARD_BREAK.finditer(text, section_start, section_end)
                  if not _is_wrapped_line(text, match.start())]
        for match in _PERIOD.finditer(text, section_start, section_end):
            if not _is_abbreviation(text, match.start()):
                breaks.append(match.end())
        breaks = sorted(set(breaks)) + [section_end]
        position = section_start
        for boundary in breaks:
            if boundary <= position:
                continue
            chunk = text[position:boundary]
            stripped = chunk.strip()
            if stripped:
                offset = position + chunk.index(stripped)
                sentences.append(Sentence(stripped, offset, offset + len(stripped), section))
            position = boundary
    return sentences
