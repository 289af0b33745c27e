"""Optional report labeler that queries an OpenAI-compatible chat-completions endpoint, with cache and retries.

Reports leave the machine when the endpoint is not on this computer, so a non-loopback URL is rejected unless
``allow_remote=True``. Responses are validated strictly (every finding present, values in {1, 0, -1}, evidence
sentences copied from the report) and cached in SQLite keyed by a hash of report, model and schema, so the
cache file contains no patient identifier in its name or keys.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from greenrfm_core import paths
from greenrfm_core.labels.rules import apply_derived_findings
from greenrfm_core.labels.text import split_sections
from greenrfm_core.labels.types import Evidence, ReportLabels, ReportRow
from greenrfm_core.schemas import LABEL_VALUES, Schema, load_schema

logger = logging.getLogger(__name__)

PROMPT_VERSION = "1"
_RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}

SYSTEM_PROMPT = """You label radiology reports. For every finding id given, answer 1 when the report affirms \
the finding at any severity, 0 when it is negated, resolved, no longer seen or not mentioned, and -1 when the \
finding itself is hedged (possible, questionable, equivocal, may represent, cannot be excluded, suspicious for, \
versus; 可疑, 可能, 不除外, 待排). A hedge on the cause only ("consolidation, likely infectious") keeps 1. \
Reply with one JSON object: {"labels": {"<finding id>": 1 | 0 | -1, ...}, "evidence": {"<finding id>": \
"<the sentence that decided it, copied exactly from the report>", ...}}. Give evidence for every 1 and -1."""


class LLMError(RuntimeError):
    """Raised when the endpoint fails for a report after all retries, or rejects the request."""


class RemoteEndpointError(LLMError):
    """Raised for an endpoint outside this computer when remote endpoints were not allowed."""


class LLMResponseError(ValueError):
    """Raised when a response is not valid JSON or breaks the label contract; the request is retried."""


@dataclass
class LLMConfig:
    """Endpoint settings.

    Attributes:
        base_url: Base URL; requests go to ``{base_url}/chat/completions``.
        model: Model name sent in each request.
        api_key: Bearer token, or ``None`` for endpoints without authentication.
        timeout_s: Seconds to wait for one response.
        max_attempts: Requests per report before giving up (timeouts, 5xx, 429 and invalid responses retry).
        backoff_s: Wait before the second attempt; it doubles for each further attempt.
        concurrency: Reports labelled at the same time.
        allow_remote: Allow an endpoint that is not a loopback address (reports leave the machine).
        cache_dir: Folder of the response cache; ``None`` uses the application cache folder.
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0
    max_attempts: int = 4
    backoff_s: float = 1.0
    concurrency: int = 4
    allow_remote: bool = False
    cache_dir: str | Path | None = None

    @classmethod
    def from_env(cls, base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                 **options) -> LLMConfig:
        """Build a config from arguments, falling back to ``GREENRFM_LLM_URL``, ``GREENRFM_LLM_MODEL`` and
        ``GREENRFM_LLM_API_KEY``.

        Raises:
            LLMError: No URL or no model is set.
        """
        base_url = base_url or os.environ.get("GREENRFM_LLM_URL")
        model = model or os.environ.get("GREENRFM_LLM_MODEL")
        api_key = api_key or os.environ.get("GREENRFM_LLM_API_KEY")
        if not base_url:
            raise LLMError("no LLM endpoint set: pass --llm-url URL or set GREENRFM_LLM_URL")
        if not model:
            raise LLMError("no LLM model set: pass --llm-model NAME or set GREENRFM_LLM_MODEL")
        return cls(base_url=base_url, model=model, api_key=api_key, **options)


def is_loopback_url(url: str) -> bool:
    """Return True when the URL's host is ``localhost`` or a loopback IP address."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ResponseCache:
    """SQLite cache of validated responses keyed by the SHA-256 of report text, model, schema and prompt."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "llm_labels.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                               "response TEXT NOT NULL, created REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str) -> dict | None:
        with self._lock, self._connect() as connection:
            row = connection.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, response: dict) -> None:
        with self._lock, self._connect() as connection:
            connection.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
                               (key, json.dumps(response, ensure_ascii=False), time.time()))


class LLMLabeler:
    """Label reports through an OpenAI-compatible chat-completions endpoint.

    Args:
        schema: A ``Schema`` or the task name or path that ``load_schema`` accepts.
        config: Endpoint settings. Without it, ``endpoint`` (or ``GREENRFM_LLM_URL``) and the model and key
            from the environment are used with default options.
        endpoint: Base URL used when ``config`` is not given.
        allow_remote: With ``endpoint``, allow a URL that is not a loopback address.

    Raises:
        RemoteEndpointError: The base URL is not a loopback address and remote endpoints were not allowed.
        LLMError: Neither ``config`` nor a URL and model from arguments or the environment are available.
    """

    def __init__(self, schema: Schema | str | Path, config: LLMConfig | None = None, *,
                 endpoint: str | None = None, allow_remote: bool = False) -> None:
        if config is None:
            config = LLMConfig.from_env(base_url=endpoint, allow_remote=allow_remote)
        if not is_loopback_url(config.base_url) and not config.allow_remote:
            raise RemoteEndpointError(
                f"LLM endpoint {config.base_url} is not on this computer, so reports would leave the machine; "
                "pass --llm-allow-remote (allow_remote=True) to allow it")
        self.schema = schema if isinstance(schema, Schema) else load_schema(schema)
        self.config = config
        self.name = f"llm:{config.model}"
        self.cache = ResponseCache(config.cache_dir or paths.cache_dir() / "labels")
        self._finding_ids = [finding.id for finding in self.schema.findings if not finding.derived]

    def cache_key(self, text: str) -> str:
        """Return the cache key of a report: a hash, so no report content or id appears in the cache."""
        material = f"{PROMPT_VERSION}\x1f{self.config.model}\x1f{self.schema.digest}\x1f{text}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def build_messages(self, text: str) -> list[dict]:
        """Return the chat messages for one report."""
        findings = [{"id": finding.id, "name": finding.name["en"], "name_zh": finding.name["zh"],
                     "synonyms": list(finding.synonyms["en"]) + list(finding.synonyms["zh"])}
                    for finding in self.schema.findings if not finding.derived]
        user = json.dumps({"findings": findings, "report": text}, ensure_ascii=False)
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    def label(self, study_id: str, text: str) -> ReportLabels:
        """Label one report, from the cache when possible.

        Raises:
            LLMError: Every attempt failed, or the endpoint rejected the request (4xx other than 408 and 429).
        """
        key = self.cache_key(text)
        response = self.cache.get(key)
        if response is None:
            response = self._request_with_retries(study_id, text)
            self.cache.put(key, response)
        return self._to_report_labels(study_id, text, response)

    def label_many(self, rows: list[ReportRow]) -> tuple[list[ReportLabels | None], dict[str, str]]:
        """Label reports with at most ``config.concurrency`` requests in flight.

        Returns:
            Results in the order of ``rows`` (``None`` where a report failed) and the error message per failed
            study id.
        """
        failures: dict[str, str] = {}

        def run(row: ReportRow) -> ReportLabels | None:
            try:
                return self.label(row.study_id, row.text)
            except LLMError as error:
                logger.error("LLM labelling failed for study %s: %s", row.study_id, error)
                failures[row.study_id] = str(error)
                return None

        with ThreadPoolExecutor(max_workers=max(1, self.config.concurrency)) as pool:
            results = list(pool.map(run, rows))
        return results, failures

    def _request_with_retries(self, study_id: str, text: str) -> dict:
        last_error = "no attempt made"
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                content = self._post(text)
                return validate_response(content, self._finding_ids, text)
            except LLMResponseError as error:
                last_error = f"invalid response: {error}"
            except urllib.error.HTTPError as error:
                if error.code not in _RETRYABLE_STATUS:
                    hint = " (check GREENRFM_LLM_API_KEY)" if error.code in (401, 403) else ""
                    raise LLMError(f"endpoint rejected the request with HTTP {error.code}{hint}") from error
                last_error = f"HTTP {error.code}"
            except TimeoutError:
                last_error = f"timed out after {self.config.timeout_s:g} s"
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError):
                    last_error = f"timed out after {self.config.timeout_s:g} s"
                else:
                    last_error = f"connection failed: {error.reason}"
            if attempt < self.config.max_attempts:
                delay = self.config.backoff_s * 2 ** (attempt - 1)
                logger.warning("LLM attempt %d/%d for study %s failed (%s); retrying in %.2f s", attempt,
                               self.config.max_attempts, study_id, last_error, delay)
                time.sleep(delay)
        raise LLMError(f"{self.config.max_attempts} attempts failed; last error: {last_error}")

    def _post(self, text: str) -> str:
        body = json.dumps({
            "model": self.config.model,
            "messages": self.build_messages(text),
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.config.timeout_s) as http_response:
            payload = http_response.read()
        try:
            envelope = json.loads(payload)
            return envelope["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMResponseError(f"response is not a chat completion: {error}") from error

    def _to_report_labels(self, study_id: str, text: str, response: dict) -> ReportLabels:
        labels = {finding_id: int(response["labels"][finding_id]) for finding_id in self._finding_ids}
        apply_derived_findings(self.schema, labels)
        sections = split_sections(text)
        evidence = []
        for finding_id, sentence in response.get("evidence", {}).items():
            start = text.find(sentence)
            section = next((name for name, begin, end in sections if begin <= start < end), "")
            evidence.append(Evidence(finding_id, labels[finding_id], sentence, section, start, start + len(sentence),
                                     self.name))
        ordered = {finding_id: labels[finding_id] for finding_id in self.schema.finding_ids}
        return ReportLabels(study_id=study_id, labels=ordered, evidence=evidence)


def validate_response(content: str, finding_ids: list[str], text: str) -> dict:
    """Parse and check one response.

    Returns:
        ``{"labels": {id: value}, "evidence": {id: sentence}}`` with evidence only for known findings.

    Raises:
        LLMResponseError: The content is not a JSON object, a finding is missing, a value is not 1, 0 or -1,
            or an evidence sentence does not occur in the report.
    """
    stripped = content.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped[stripped.find("{"):] if "{" in stripped else stripped
    try:
        response = json.loads(stripped)
    except json.JSONDecodeError as error:
        raise LLMResponseError(f"content is not valid JSON ({error})") from error
    if not isinstance(response, dict) or not isinstance(response.get("labels"), dict):
        raise LLMResponseError("content has no 'labels' object")
    raw_labels = response["labels"]
    missing = [finding_id for finding_id in finding_ids if finding_id not in raw_labels]
    if missing:
        raise LLMResponseError(f"missing findings: {', '.join(missing)}")
    labels = {}
    for finding_id in finding_ids:
        value = raw_labels[finding_id]
        if isinstance(value, bool) or value not in LABEL_VALUES:
            raise LLMResponseError(f"finding {finding_id} has value {value!r}; expected 1, 0 or -1")
        labels[finding_id] = int(value)
    raw_evidence = response.get("evidence") or {}
    if not isinstance(raw_evidence, dict):
        raise LLMResponseError("'evidence' is not an object")
    evidence = {}
    for finding_id, sentence in raw_evidence.items():
        if finding_id not in labels or not sentence:
            continue
        if not isinstance(sentence, str) or sentence not in text:
            raise LLMResponseError(f"evidence for {finding_id} does not occur in the report")
        evidence[finding_id] = sentence
    return {"labels": labels, "evidence": evidence}
