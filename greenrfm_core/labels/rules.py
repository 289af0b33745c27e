"""Rule-based report labeler for English and Chinese radiology reports; needs no network.

Each sentence is searched for finding mentions (schema synonyms plus the regular expressions in
``patterns/<task>.json``). Each mention is then labelled 1, 0 or -1 from the cues in ``cues.json``:

* a negation or uncertainty cue inside the mention ("lymph nodes are not enlarged", "胸腔可疑少量积液");
* a ``_pre`` cue earlier in the same clause ("no", "possible", "未见", "不除外"), a ``_post`` cue later in the
  same clause ("has resolved", "cannot be excluded", "已吸收", "待排"), or ``uncertain_any`` ("versus", "或")
  when no negation applies;
* a benign explanation later in the same sentence ("小结节影，可能为小血管断面") makes the mention -1.

Hedges that follow a mention and concern its cause ("consolidation, likely infectious", "考虑感染性病变") do
not hedge the finding, because only the listed ``_post`` cues act backwards. Within a clause, a negation
and a ``_pre``/``_post`` uncertainty cue together give -1.

A finding's report label is 1 when any mention is 1, else -1 when any mention is -1, else 0 when a mention
was negated, else the schema's ``unmentioned`` value. A finding with ``derived: all_others_absent`` is 1
exactly when every other finding is 0.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from greenrfm_core.labels.text import Sentence, detect_language, load_cues, split_sections, split_sentences
from greenrfm_core.labels.types import ABSENT, PRESENT, UNCERTAIN, Evidence, ReportLabels
from greenrfm_core.schemas import Schema, load_schema

logger = logging.getLogger(__name__)

PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"
LANGUAGE_CHOICES = ("auto", "en", "zh")
_CUE_KINDS = ("negation_pre", "negation_post", "uncertain_pre", "uncertain_post", "uncertain_any")


@dataclass(frozen=True)
class Mention:
    """One finding mention in a sentence and the label its cues give it."""

    finding: str
    value: int
    start: int
    end: int


def synonym_to_pattern(synonym: str, language: str) -> str:
    """Turn a schema synonym into a regular expression.

    English synonyms match case-insensitively at word boundaries, with a space or hyphen between words and a
    plural ending on the last word ("ground-glass opacity" also matches "ground glass opacities"). Chinese
    synonyms match literally.
    """
    if language == "zh":
        return re.escape(synonym)
    words = re.split(r"[\s-]+", synonym.strip())
    last = words[-1]
    if last.endswith("y") and len(last) > 2:
        last_pattern = re.escape(last[:-1]) + "(?:y|ies)"
    elif last[-1:].isalpha():
        last_pattern = re.escape(last) + "(?:s|es)?"
    else:
        last_pattern = re.escape(last)
    parts = [re.escape(word) for word in words[:-1]] + [last_pattern]
    return r"\b" + r"[\s-]+".join(parts) + r"\b"


# Common English words of radiology reports: a report containing one is English even when it names no finding
# ("Lungs are clear."), so the unrecognised-report warning skips it.
_ENGLISH_WORDS = re.compile(
    r"\b(?:the|is|are|was|were|no|not|of|and|with|without|there|normal|clear|unremarkable|seen)\b", re.IGNORECASE
)


class RuleLabeler:
    """Label reports with synonym matching, negation and uncertainty cues and section awareness.

    Args:
        schema: A ``Schema`` or the task name or path that ``load_schema`` accepts.
        language: ``"auto"`` picks Chinese rules for sentences that contain Chinese characters and English
            rules otherwise; ``"en"`` or ``"zh"`` forces one language.
        patterns_path: JSON file of extra patterns; defaults to ``patterns/<task>.json`` when it exists.
    """

    name = "rules"

    def __init__(self, schema: Schema | str | Path, language: str = "auto",
                 patterns_path: str | Path | None = None) -> None:
        if language not in LANGUAGE_CHOICES:
            raise ValueError(f"invalid language {language!r}; use one of {', '.join(LANGUAGE_CHOICES)}")
        self.schema = schema if isinstance(schema, Schema) else load_schema(schema)
        self.language = language
        cues = load_cues()
        self._cues = {lang: self._compile_cues(cues[lang], lang) for lang in ("en", "zh")}
        self._terminators = {lang: re.compile("|".join(cues[lang]["terminators"]), re.IGNORECASE)
                             for lang in ("en", "zh")}
        self._post_terminators = {lang: re.compile("|".join(cues[lang]["post_terminators"]), re.IGNORECASE)
                                  for lang in ("en", "zh")}
        self._benign = {lang: re.compile("|".join(cues[lang]["benign_explanation"]), re.IGNORECASE)
                        for lang in ("en", "zh")}
        self._finding_patterns, self._exclusions = self._compile_findings(patterns_path)

    def _compile_cues(self, data: dict, language: str) -> dict[str, re.Pattern]:
        return {kind: re.compile("|".join(f"(?:{cue})" for cue in data[kind]), re.IGNORECASE)
                for kind in _CUE_KINDS if data.get(kind)}

    def _compile_findings(self, patterns_path: str | Path | None):
        if patterns_path is None:
            default = PATTERNS_DIR / f"{self.schema.task}.json"
            patterns_path = default if default.is_file() else None
        extra: dict = {}
        if patterns_path is not None:
            with open(patterns_path, encoding="utf-8") as handle:
                extra = json.load(handle).get("findings", {})
            unknown = sorted(set(extra) - set(self.schema.finding_ids))
            if unknown:
                logger.warning("Patterns file %s names findings not in schema %s: %s", patterns_path,
                               self.schema.task, ", ".join(unknown))

        finding_patterns: dict[str, dict[str, re.Pattern]] = {}
        exclusions: dict[str, dict[str, re.Pattern]] = {}
        for finding in self.schema.findings:
            if finding.derived:
                continue
            finding_patterns[finding.id] = {}
            exclusions[finding.id] = {}
            for language in ("en", "zh"):
                expressions = [synonym_to_pattern(synonym, language) for synonym in finding.synonyms[language]]
                expressions += extra.get(finding.id, {}).get(language, [])
                if expressions:
                    finding_patterns[finding.id][language] = re.compile(
                        "|".join(f"(?:{expression})" for expression in expressions), re.IGNORECASE)
                excluded = extra.get(finding.id, {}).get(f"exclude_{language}", [])
                if excluded:
                    exclusions[finding.id][language] = re.compile(
                        "|".join(f"(?:{expression})" for expression in excluded), re.IGNORECASE)
        return finding_patterns, exclusions

    def label(self, study_id: str, text: str) -> ReportLabels:
        """Label one report.

        Args:
            study_id: Identifier copied into the result.
            text: Report text (findings and impression, any section headers included).

        Returns:
            One label per schema finding, plus the sentence that decided each finding a sentence mentioned.
        """
        best: dict[str, tuple[int, Sentence]] = {}
        for sentence in split_sentences(text or ""):
            language = detect_language(sentence.text) if self.language == "auto" else self.language
            for mention in self.mentions(sentence.text, language):
                current = best.get(mention.finding)
                if current is None or _rank(mention.value) > _rank(current[0]):
                    best[mention.finding] = (mention.value, sentence)

        labels: dict[str, int] = {}
        evidence: list[Evidence] = []
        for finding in self.schema.findings:
            if finding.derived:
                continue
            if finding.id in best:
                value, sentence = best[finding.id]
                labels[finding.id] = value
                evidence.append(Evidence(finding.id, value, sentence.text, sentence.section, sentence.start,
                                         sentence.end, self.name))
            else:
                labels[finding.id] = self.schema.unmentioned
        apply_derived_findings(self.schema, labels)
        ordered = {finding_id: labels[finding_id] for finding_id in self.schema.finding_ids}
        return ReportLabels(study_id=study_id, labels=ordered, evidence=evidence)

    def recognises(self, text: str) -> bool:
        """Return whether the report contains anything the rules can read in English or Chinese.

        A report is recognised when it has Chinese characters, a common English word, a section header, a finding
        synonym or a cue (negation, uncertainty, ...) of either language. An unrecognised report, such as one written in French,
        gets the schema's default label for every finding, which is usually 0.
        """
        text = text or ""
        if detect_language(text) == "zh" or _ENGLISH_WORDS.search(text):
            return True
        if any(section for section, _, _ in split_sections(text)):
            return True
        languages = ("en", "zh") if self.language == "auto" else (self.language,)
        for sentence in split_sentences(text):
            for language in languages:
                if self._find_cues(sentence.text, language) or self.mentions(sentence.text, language):
                    return True
        return False

    def mentions(self, sentence: str, language: str) -> list[Mention]:
        """Find every finding mention in one sentence and label it from its cues."""
        cues = self._find_cues(sentence, language)
        boundaries = (
            [(match.start(), match.end()) for match in self._terminators[language].finditer(sentence)],
            [(match.start(), match.end()) for match in self._post_terminators[language].finditer(sentence)],
        )
        found = []
        for finding_id, by_language in self._finding_patterns.items():
            pattern = by_language.get(language)
            if pattern is None:
                continue
            excluded_spans = []
            exclusion = self._exclusions[finding_id].get(language)
            if exclusion is not None:
                excluded_spans = [(match.start(), match.end()) for match in exclusion.finditer(sentence)]
            for match in pattern.finditer(sentence):
                start, end = match.start(), match.end()
                if start == end or any(start < ex_end and ex_start < end for ex_start, ex_end in excluded_spans):
                    continue
                value = self._mention_value(sentence, start, end, cues, boundaries, language)
                found.append(Mention(finding_id, value, start, end))
        return found

    def _find_cues(self, sentence: str, language: str) -> list[tuple[int, int, str]]:
        """Return non-overlapping cue spans; where cues overlap the longest one wins ("cannot be excluded")."""
        candidates = []
        for kind, pattern in self._cues[language].items():
            for match in pattern.finditer(sentence):
                if match.end() > match.start():
                    candidates.append((match.start(), match.end(), kind))
        candidates.sort(key=lambda cue: (-(cue[1] - cue[0]), cue[0]))
        kept: list[tuple[int, int, str]] = []
        for cue in candidates:
            overlaps_kept = any(cue[0] < other[1] and other[0] < cue[1] for other in kept)
            same_span_other_kind = any(cue[0] == other[0] and cue[1] == other[1] for other in kept)
            if not overlaps_kept or same_span_other_kind:
                kept.append(cue)
        return kept

    def _mention_value(self, sentence: str, start: int, end: int, cues: list[tuple[int, int, str]],
                       boundaries: tuple[list[tuple[int, int]], list[tuple[int, int]]], language: str) -> int:
        # Pre cues reach forward to the mention across fewer words than post cues reach back ("No X with
        # Y" negates Y, and so does "X with Y is not seen"), hence two terminator sets.
        pre_boundaries, post_boundaries = boundaries
        clause_start = max((b_end for b_start, b_end in pre_boundaries if b_end <= start), default=0)
        clause_end = min((b_start for b_start, b_end in post_boundaries if b_start >= end), default=len(sentence))

        # "uncertain_any" cues (versus, 或) yield to negation, so "未见结节或肿块" stays negated.
        negated = uncertain = alternative = False
        inside = [cue for cue in cues if start <= cue[0] and cue[1] <= end]
        if inside:
            uncertain = any(cue[2].startswith("uncertain") for cue in inside)
            negated = not uncertain
        else:
            for cue_start, cue_end, kind in cues:
                before = clause_start <= cue_start and cue_end <= start
                after = end <= cue_start and cue_end <= clause_end
                if kind == "uncertain_any":
                    alternative = alternative or before or after
                elif (before and kind.endswith("_pre")) or (after and kind.endswith("_post")):
                    if kind.startswith("uncertain"):
                        uncertain = True
                    else:
                        negated = True
        if uncertain:
            return UNCERTAIN
        if negated:
            return ABSENT
        if alternative:
            return UNCERTAIN
        if self._benign[language].search(sentence, end):
            return UNCERTAIN
        return PRESENT


def _rank(value: int) -> int:
    return {PRESENT: 2, UNCERTAIN: 1, ABSENT: 0}[value]


def apply_derived_findings(schema: Schema, labels: dict[str, int]) -> None:
    """Set every derived finding in ``labels`` in place (``all_others_absent``: 1 exactly when all others are 0)."""
    for finding in schema.findings:
        if finding.derived == "all_others_absent":
            others = [labels[other.id] for other in schema.findings if not other.derived and other.id in labels]
            labels[finding.id] = PRESENT if all(value == ABSENT for value in others) else ABSENT
