"""``greenrfm label``: labelling, evidence files, evaluation and input errors."""

from __future__ import annotations

import csv
from pathlib import Path

from greenrfm_core.cli import main as cli_main
from greenrfm_core.labels import read_labels_csv

DATA_DIR = Path(__file__).parent / "data" / "reports"


def test_label_then_evaluate_in_one_run(tmp_path, capsys):
    out = tmp_path / "zh" / "labels.csv"
    reference = DATA_DIR / "chest_ct_zh.csv"
    code = cli_main(["label", "--reports", str(reference), "--task", "chest-ct", "--lang", "zh", "--out", str(out),
                     "--evaluate", str(reference)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "read 14 reports" in printed
    assert "macro-F1 1.0000 over 252 cells in 14 studies" in printed
    finding_ids, labels = read_labels_csv(out)
    assert len(labels) == 14
    assert finding_ids[0] == "medical_material"
    with open(tmp_path / "zh" / "labels.evidence.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["study_id", "finding", "value", "sentence", "section", "start", "end", "labeler"]
    assert {row["value"] for row in rows} == {"1", "0", "-1"}


def test_evaluate_existing_labels(tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("study_id,pleural_effusion,emphysema\nr1,1,0\nr2,0,-1\nr9,1,1\n", encoding="utf-8")
    reference = tmp_path / "reference.csv"
    reference.write_text("report_id,report,pleural_effusion,emphysema\nr1,text,1,0\nr2,text,1,-1\n"
                         "r3,text,0,0\n", encoding="utf-8")
    code = cli_main(["label", "--evaluate", str(reference), "--labels", str(labels)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "over 4 cells in 2 studies" in printed
    assert "1 reference studies without labels, 1 labelled studies without reference" in printed
    assert "pleural_effusion" in printed


def test_custom_evidence_path(tmp_path, capsys):
    reports = tmp_path / "reports.csv"
    reports.write_text("accession,findings,impression\n9,No pleural effusion.,Normal.\n", encoding="utf-8")
    out = tmp_path / "labels.csv"
    evidence = tmp_path / "why.csv"
    assert cli_main(["label", "--reports", str(reports), "--out", str(out), "--evidence", str(evidence)]) == 0
    _, labels = read_labels_csv(out)
    assert set(labels["9"].values()) == {0}
    assert len(labels["9"]) == 18
    with open(evidence, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["finding"], row["value"], row["section"]) for row in rows] == [
        ("pleural_effusion", "0", "findings")]
    assert not (tmp_path / "labels.evidence.csv").exists()


def test_input_errors_exit_2(tmp_path, capsys):
    reports = tmp_path / "reports.csv"
    reports.write_text("patient,text_body\n1,x\n", encoding="utf-8")
    assert cli_main(["label", "--reports", str(reports), "--out", str(tmp_path / "l.csv")]) == 2
    error = capsys.readouterr().err
    assert "--id-column" in error
    assert "'patient'" in error
    assert cli_main(["label", "--reports", str(reports)]) == 2
    assert "--out" in capsys.readouterr().err
    assert cli_main(["label"]) == 2
    assert cli_main(["label", "--reports", str(reports), "--task", "brain-ct", "--out", str(tmp_path / "l.csv")]) == 2
    assert "unknown task 'brain-ct'" in capsys.readouterr().err
    assert cli_main(["label", "--evaluate", str(tmp_path / "missing.csv"), "--labels", str(reports)]) == 2


def _write_reports(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["study_id", "report"])
        writer.writerows(rows)
    return path


def test_reading_warnings_once_with_rows(tmp_path, capsys):
    reports = _write_reports(tmp_path / "reports.csv", [
        ("S1", "No pleural effusion."),
        ("S2", "Small right pleural effusion."),
        ("S1", "Large pneumothorax."),
        ("S3", ""),
    ])
    assert cli_main(["label", "--reports", str(reports), "--out", str(tmp_path / "labels.csv")]) == 0
    err = capsys.readouterr().err
    duplicate_lines = [line for line in err.splitlines() if "duplicate id" in line]
    assert len(duplicate_lines) == 1
    assert "row 4 (id S1; row 2 kept)" in duplicate_lines[0]
    empty_lines = [line for line in err.splitlines() if "empty report" in line]
    assert len(empty_lines) == 1
    assert "row 5 (id S3)" in empty_lines[0]


def test_unrecognised_language_warns(tmp_path, capsys):
    reports = _write_reports(tmp_path / "reports.csv", [
        ("F1", "Pas d'épanchement pleural. Poumons sans particularité."),
        ("E1", "Lungs are clear."),
        ("Z1", "双肺未见异常。"),
        ("F2", "Le coeur est de taille normale."),
    ])
    assert cli_main(["label", "--reports", str(reports), "--out", str(tmp_path / "labels.csv")]) == 0
    err = capsys.readouterr().err
    assert "2 report(s) contain no English or Chinese" in err
    assert "row 2 (id F1)" in err
    assert "row 5 (id F2)" in err
    assert "E1" not in err
    assert "Z1" not in err
