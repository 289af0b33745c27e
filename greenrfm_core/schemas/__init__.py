"""Finding schemas: the findings of each clinical task, with names, synonyms and zero-shot prompts.

The schemas are JSON files next to this module (``chest-ct.json``, ``abdomen-ct.json``, ``knee-mri.json``,
``spine-mri.json``). Users may supply their own file in the same format. ``load_schema`` validates it, and its
errors name the file, the finding and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
LABEL_VALUES = (1, 0, -1)
DERIVED_RULES = ("all_others_absent",)
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class SchemaError(ValueError):
    """Raised when a schema file is missing, unreadable or does not follow the schema format."""


@dataclass(frozen=True)
class Finding:
    """One finding of a task.

    Attributes:
        id: Stable identifier used as the labels CSV column name.
        name: Display name per language code (``en``, ``zh``).
        synonyms: Phrases per language that name the finding in a report.
        prompts: Zero-shot prompt pair per language: ``{"present": ..., "absent": ...}``.
        derived: ``None`` for a finding read from reports, or the rule that computes it from the others
            (``"all_others_absent"``: 1 exactly when every other finding is 0).
    """

    id: str
    name: dict[str, str]
    synonyms: dict[str, tuple[str, ...]]
    prompts: dict[str, dict[str, str]]
    derived: str | None = None


@dataclass(frozen=True)
class Schema:
    """The findings of one task and the label given to findings a report never mentions."""

    task: str
    version: int
    modality: str
    unmentioned: int
    findings: tuple[Finding, ...]
    description: str = ""
    source: str = ""
    digest: str = field(default="", compare=False)

    @property
    def finding_ids(self) -> list[str]:
        """Finding ids in schema order (the column order of a labels CSV)."""
        return [finding.id for finding in self.findings]

    def finding(self, finding_id: str) -> Finding:
        """Return the finding with this id.

        Raises:
            KeyError: The schema has no such finding.
        """
        for finding in self.findings:
            if finding.id == finding_id:
                return finding
        raise KeyError(f"finding {finding_id!r} is not in schema {self.task!r}")


def list_tasks() -> list[str]:
    """Return the names of the built-in tasks, sorted."""
    return sorted(path.stem for path in SCHEMA_DIR.glob("*.json"))


def schema_path(task: str) -> Path:
    """Return the file of a built-in task.

    Raises:
        SchemaError: ``task`` is not a built-in task.
    """
    path = SCHEMA_DIR / f"{task}.json"
    if not path.is_file():
        raise SchemaError(f"unknown task {task!r}; built-in tasks are {', '.join(list_tasks())}, "
                          "or pass the path of a schema JSON file")
    return path


def load_schema(task_or_path: str | Path) -> Schema:
    """Load and validate a built-in task schema or a user's schema file.

    Args:
        task_or_path: A built-in task name (``"chest-ct"``) or the path of a JSON file in the schema format.

    Raises:
        SchemaError: The file is missing, is not valid JSON or breaks the format; the message names the file,
            the finding and the field.
    """
    text_value = str(task_or_path)
    is_path = isinstance(task_or_path, Path) or text_value.endswith(".json") or "/" in text_value \
        or "\\" in text_value
    path = Path(task_or_path) if is_path else schema_path(text_value)
    if not path.is_file():
        raise SchemaError(f"schema file {path} not found")
    try:
        raw_bytes = path.read_bytes()
        document = json.loads(raw_bytes.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SchemaError(f"cannot read schema file {path}: {error}") from error
    schema = parse_schema(document, source=str(path))
    return schema


def parse_schema(document: object, source: str = "<memory>") -> Schema:
    """Validate a decoded schema document and build a ``Schema``.

    Raises:
        SchemaError: The document breaks the format; the message names ``source``, the finding and the field.
    """
    if not isinstance(document, dict):
        raise SchemaError(f"schema {source} must be a JSON object, found {type(document).__name__}")
    for key in ("task", "findings"):
        if key not in document:
            raise SchemaError(f"missing field {key!r} in schema {source}")
    task = document["task"]
    if not isinstance(task, str) or not task:
        raise SchemaError(f"field 'task' in schema {source} must be a non-empty string")
    unmentioned = document.get("unmentioned", 0)
    if unmentioned not in LABEL_VALUES:
        raise SchemaError(f"field 'unmentioned' in schema {source} must be 1, 0 or -1, found {unmentioned!r}")
    raw_findings = document["findings"]
    if not isinstance(raw_findings, list) or not raw_findings:
        raise SchemaError(f"field 'findings' in schema {source} must be a non-empty list")

    findings = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_findings):
        finding = _parse_finding(raw, index, source)
        if finding.id in seen:
            raise SchemaError(f"duplicate finding id {finding.id!r} in schema {source}")
        seen.add(finding.id)
        findings.append(finding)

    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return Schema(
        task=task,
        version=int(document.get("version", 1)),
        modality=str(document.get("modality", "")),
        unmentioned=int(unmentioned),
        findings=tuple(findings),
        description=str(document.get("description", "")),
        source=source,
        digest=hashlib.sha256(canonical).hexdigest(),
    )


def _parse_finding(raw: object, index: int, source: str) -> Finding:
    where = f"finding #{index + 1}"
    if not isinstance(raw, dict):
        raise SchemaError(f"{where} in schema {source} must be a JSON object")
    if "id" not in raw:
        raise SchemaError(f"missing field 'id' in {where} of schema {source}")
    finding_id = raw["id"]
    if not isinstance(finding_id, str) or not _ID_PATTERN.match(finding_id):
        raise SchemaError(f"invalid id {finding_id!r} in {where} of schema {source}: use lower-case letters, "
                          "digits and underscores, starting with a letter")
    where = f"finding {finding_id!r}"
    for key in ("name", "synonyms", "prompts"):
        if key not in raw:
            raise SchemaError(f"missing field {key!r} in {where} of schema {source}")

    names = _language_map(raw["name"], "name", where, source)
    for language, value in names.items():
        if not isinstance(value, str) or not value.strip():
            raise SchemaError(f"field 'name.{language}' in {where} of schema {source} must be a non-empty string")

    raw_synonyms = _language_map(raw["synonyms"], "synonyms", where, source)
    synonyms = {}
    for language, values in raw_synonyms.items():
        if not isinstance(values, list) or not all(isinstance(value, str) and value.strip() for value in values):
            raise SchemaError(f"field 'synonyms.{language}' in {where} of schema {source} must be a list of "
                              "non-empty strings")
        synonyms[language] = tuple(values)

    raw_prompts = _language_map(raw["prompts"], "prompts", where, source)
    prompts = {}
    for language, pair in raw_prompts.items():
        if not isinstance(pair, dict):
            raise SchemaError(f"field 'prompts.{language}' in {where} of schema {source} must be an object with "
                              "'present' and 'absent'")
        for side in ("present", "absent"):
            if not isinstance(pair.get(side), str) or not pair[side].strip():
                raise SchemaError(f"missing field 'prompts.{language}.{side}' in {where} of schema {source}")
        prompts[language] = {"present": pair["present"], "absent": pair["absent"]}

    derived = raw.get("derived")
    if derived is not None and derived not in DERIVED_RULES:
        raise SchemaError(f"field 'derived' in {where} of schema {source} must be one of {DERIVED_RULES}, "
                          f"found {derived!r}")
    return Finding(id=finding_id, name=names, synonyms=synonyms, prompts=prompts, derived=derived)


def _language_map(value: object, key: str, where: str, source: str) -> dict:
    if not isinstance(value, dict):
        raise SchemaError(f"field {key!r} in {where} of schema {source} must be an object keyed by language "
                          f"({', '.join(LANGUAGES)})")
    for language in LANGUAGES:
        if language not in value:
            raise SchemaError(f"missing field '{key}.{language}' in {where} of schema {source}")
    return value
