"""LLM labeler against a chat-completions server started on 127.0.0.1 by the test."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from greenrfm_core.cli import main as cli_main
from greenrfm_core.labels import LLMConfig, LLMError, LLMLabeler, RemoteEndpointError, ReportRow, RuleLabeler

REPORT = "FINDINGS: Small left pleural effusion. No consolidation. IMPRESSION: Possible hiatal hernia."
RULES = RuleLabeler("chest-ct")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with server.lock:
            server.requests.append({"path": self.path, "body": body,
                                    "authorization": self.headers.get("Authorization")})
            behaviour = server.script.pop(0) if server.script else "good"
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            time.sleep(server.delay_s)
            self._answer(behaviour, json.loads(body["messages"][1]["content"])["report"])
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with server.lock:
                server.in_flight -= 1

    def _answer(self, behaviour, report):
        if behaviour == "500":
            self._send(500, b'{"error": "overloaded"}')
            return
        if behaviour == "401":
            self._send(401, b'{"error": "bad key"}')
            return
        if behaviour == "slow":
            time.sleep(1.0)
        if behaviour == "envelope_broken":
            self._send(200, b"<html>proxy error</html>")
            return
        result = RULES.label("x", report)
        answer = {"labels": dict(result.labels),
                  "evidence": {item.finding: item.sentence for item in result.evidence}}
        if behaviour == "missing":
            del answer["labels"]["emphysema"]
        elif behaviour == "wrong_value":
            answer["labels"]["emphysema"] = 2
        elif behaviour == "bad_evidence":
            answer["evidence"]["pleural_effusion"] = "Large pleural effusion on the right."
        content = "not json {" if behaviour == "malformed" else json.dumps(answer)
        envelope = {"choices": [{"message": {"role": "assistant", "content": content}}]}
        self._send(200, json.dumps(envelope).encode("utf-8"))

    def _send(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture()
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.requests, server.script = [], []
    server.in_flight = server.max_in_flight = 0
    server.delay_s = 0.0
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield server
    server.shutdown()
    server.server_close()


def _labeler(endpoint, tmp_path, **options):
    settings = {"timeout_s": 0.4, "max_attempts": 3, "backoff_s": 0.01, "cache_dir": tmp_path / "cache"}
    settings.update(options)
    config = LLMConfig(base_url=endpoint.url, model="test-model", **settings)
    return LLMLabeler("chest-ct", config)


def test_llm_labels_match_answer(endpoint, tmp_path):
    result = _labeler(endpoint, tmp_path, api_key="secret").label("s1", REPORT)
    assert result.labels == RULES.label("s1", REPORT).labels
    assert result.labels["pleural_effusion"] == 1
    assert result.labels["hiatal_hernia"] == -1
    request = endpoint.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "test-model"
    assert request["body"]["temperature"] == 0
    assert request["body"]["response_format"] == {"type": "json_object"}
    assert request["authorization"] == "Bearer secret"
    for item in result.evidence:
        assert REPORT[item.start:item.end] == item.sentence
        assert item.labeler == "llm:test-model"


@pytest.mark.parametrize("fault", ["malformed", "envelope_broken", "missing", "wrong_value", "bad_evidence",
                                   "500", "slow"])
def test_llm_retries_after_fault(endpoint, tmp_path, fault):
    endpoint.script = [fault]
    result = _labeler(endpoint, tmp_path).label("s1", REPORT)
    assert len(endpoint.requests) == 2
    assert result.labels["pleural_effusion"] == 1


def test_llm_gives_up_after_max_attempts(endpoint, tmp_path):
    endpoint.script = ["500"] * 5
    with pytest.raises(LLMError, match="3 attempts failed; last error: HTTP 500"):
        _labeler(endpoint, tmp_path).label("s1", REPORT)
    assert len(endpoint.requests) == 3


def test_llm_auth_error_not_retried(endpoint, tmp_path):
    endpoint.script = ["401"]
    with pytest.raises(LLMError, match="HTTP 401 .*GREENRFM_LLM_API_KEY"):
        _labeler(endpoint, tmp_path).label("s1", REPORT)
    assert len(endpoint.requests) == 1


def test_remote_endpoint_needs_opt_in(tmp_path, monkeypatch):
    config = LLMConfig(base_url="http://10.20.30.40:8000/v1", model="m", cache_dir=tmp_path)
    with pytest.raises(RemoteEndpointError, match="--llm-allow-remote"):
        LLMLabeler("chest-ct", config)
    config.allow_remote = True
    assert LLMLabeler("chest-ct", config).name == "llm:m"
    monkeypatch.setenv("GREENRFM_LLM_MODEL", "m")
    with pytest.raises(RemoteEndpointError):
        LLMLabeler("chest-ct", endpoint="http://203.0.113.9/v1")
    assert LLMLabeler("chest-ct", endpoint="http://203.0.113.9/v1", allow_remote=True).config.allow_remote


def test_llm_cache_reuses_answers(endpoint, tmp_path):
    labeler = _labeler(endpoint, tmp_path)
    first = labeler.label("PATIENT-123", REPORT)
    second = labeler.label("PATIENT-123", REPORT)
    assert len(endpoint.requests) == 1
    assert first.labels == second.labels
    _labeler(endpoint, tmp_path).label("PATIENT-123", REPORT + " ")
    assert len(endpoint.requests) == 2
    with sqlite3.connect(labeler.cache.path) as connection:
        keys = [row[0] for row in connection.execute("SELECT key FROM responses")]
    assert all("PATIENT" not in key and len(key) == 64 for key in keys)


def test_llm_concurrency_is_bounded(endpoint, tmp_path):
    endpoint.delay_s = 0.15
    endpoint.script = ["good", "500"]
    rows = [ReportRow(f"s{index}", f"{REPORT} Case {index}.", index) for index in range(6)]
    results, failures = _labeler(endpoint, tmp_path, concurrency=2).label_many(rows)
    assert failures == {}
    assert [result.study_id for result in results] == [row.study_id for row in rows]
    assert endpoint.max_in_flight == 2


def test_llm_failures_reported_per_study(endpoint, tmp_path):
    endpoint.script = ["401"]
    rows = [ReportRow("s1", REPORT, 2)]
    results, failures = _labeler(endpoint, tmp_path, concurrency=1).label_many(rows)
    assert results == [None]
    assert "HTTP 401" in failures["s1"]


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("GREENRFM_LLM_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("GREENRFM_LLM_MODEL", "env-model")
    monkeypatch.setenv("GREENRFM_LLM_API_KEY", "env-key")
    config = LLMConfig.from_env()
    assert (config.base_url, config.model, config.api_key) == ("http://127.0.0.1:1/v1", "env-model", "env-key")
    monkeypatch.delenv("GREENRFM_LLM_MODEL")
    with pytest.raises(LLMError, match="GREENRFM_LLM_MODEL"):
        LLMConfig.from_env()


def test_endpoint_keyword_reads_model_from_environment(endpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("GREENRFM_LLM_MODEL", "env-model")
    labeler = LLMLabeler("chest-ct", endpoint=endpoint.url)
    assert labeler.label("s1", REPORT).labels["pleural_effusion"] == 1
    assert endpoint.requests[0]["body"]["model"] == "env-model"


def test_cli_labels_through_llm(endpoint, tmp_path, capsys):
    reports = tmp_path / "reports.csv"
    reports.write_text(f'study_id,report\nA1,"{REPORT}"\n', encoding="utf-8")
    out = tmp_path / "labels.csv"
    code = cli_main(["label", "--reports", str(reports), "--task", "chest-ct", "--llm-url", endpoint.url,
                     "--llm-model", "cli-model", "--out", str(out)])
    assert code == 0
    assert len(endpoint.requests) == 1
    evidence = (tmp_path / "labels.evidence.csv").read_text(encoding="utf-8")
    assert "llm:cli-model" in evidence


def test_cli_rejects_remote_without_flag(tmp_path, capsys):
    reports = tmp_path / "reports.csv"
    reports.write_text('study_id,report\nA1,"No effusion."\n', encoding="utf-8")
    code = cli_main(["label", "--reports", str(reports), "--llm-url", "http://192.0.2.1/v1", "--llm-model", "m",
                     "--out", str(tmp_path / "labels.csv")])
    assert code == 2
    assert "--llm-allow-remote" in capsys.readouterr().err
    assert not (tmp_path / "labels.csv").exists()
