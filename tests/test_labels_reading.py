"""Report tables: encodings, XLSX, column detection, clear errors and counted warnings."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from greenrfm_core.labels import ReportsError, read_reports
from greenrfm_core.labels.reading import LONG_REPORT_CHARS

CHINESE_ROWS = [["检查号", "检查所见", "诊断意见"],
                ["A001", "右侧胸腔少量积液。", "右侧胸腔积液。"],
                ["A002", "两肺未见结节。", "未见异常。"]]


def _write_csv(path, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_chinese_csv_encodings(tmp_path, encoding, detected):
    table = read_reports(_write_csv(tmp_path / "reports.csv", CHINESE_ROWS, encoding), None)
    assert table.encoding == detected
    assert table.id_column == "检查号"
    assert table.text_columns == ["检查所见", "诊断意见"]
    assert [row.study_id for row in table.rows] == ["A001", "A002"]
    assert table.rows[0].text == "检查所见：右侧胸腔少量积液。\n印象：右侧胸腔积液。"


def test_ct_rate_columns(tmp_path):
    rows = [["VolumeName", "ClinicalInformation_EN", "Findings_EN", "Impressions_EN"],
            ["train_1_a_1.nii.gz", "Cough.", "No pleural effusion.", "Normal chest CT."]]
    table = read_reports(_write_csv(tmp_path / "ct_rate.csv", rows))
    assert table.id_column == "VolumeName"
    assert table.text_columns == ["Findings_EN", "Impressions_EN"]
    assert table.rows[0].text == "FINDINGS: No pleural effusion.\nIMPRESSION: Normal chest CT."


def test_semicolon_csv_and_report_column(tmp_path):
    rows = [["accession", "report"], ["X1", "Mild cardiomegaly; no effusion."]]
    table = read_reports(_write_csv(tmp_path / "semi.csv", rows, delimiter=";"))
    assert table.id_column == "accession"
    assert table.rows[0].text == "Mild cardiomegaly; no effusion."


def test_xlsx_reports(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["study_id", "findings", "impression"])
    sheet.append([1001, "Small left pleural effusion.", "Effusion."])
    sheet.append([1002, None, "Normal."])
    path = tmp_path / "reports.xlsx"
    workbook.save(path)
    table = read_reports(path)
    assert table.encoding is None
    assert [row.study_id for row in table.rows] == ["1001", "1002"]
    assert table.rows[1].text == "IMPRESSION: Normal."


def test_missing_id_column_error_lists_columns(tmp_path):
    path = _write_csv(tmp_path / "no_id.csv", [["patient", "report"], ["p", "text"]])
    with pytest.raises(ReportsError) as error:
        read_reports(path)
    message = str(error.value)
    assert str(path) in message
    assert "'patient'" in message
    assert "--id-column" in message


def test_missing_text_column_error(tmp_path):
    path = _write_csv(tmp_path / "no_text.csv", [["study_id", "notes"], ["1", "x"]])
    with pytest.raises(ReportsError, match="--text-column"):
        read_reports(path)
    with pytest.raises(ReportsError, match="id column 'uid' not found"):
        read_reports(path, id_column="uid")
    with pytest.raises(ReportsError, match="'body' not found"):
        read_reports(path, text_columns=["body"])


def test_explicit_columns(tmp_path):
    path = _write_csv(tmp_path / "custom.csv", [["uid", "a", "b"], ["u1", "Left", "effusion."]])
    table = read_reports(path, id_column="uid", text_columns=["a", "b"])
    assert table.rows[0].text == "Left\neffusion."


def test_bad_rows_counted_not_fatal(tmp_path):
    rows = [["study_id", "report"], ["1", "Effusion."], ["1", "Duplicate."], ["2", "   "], ["", "No id."],
            ["3", "x" * (LONG_REPORT_CHARS + 1)], ["4", "Normal."]]
    table = read_reports(_write_csv(tmp_path / "bad.csv", rows))
    assert [row.study_id for row in table.rows] == ["1", "3", "4"]
    assert table.rows[0].text == "Effusion."
    assert table.warnings == {"duplicate_id": 1, "empty_report": 1, "missing_id": 1, "long_report": 1}


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(ReportsError, match="not found"):
        read_reports(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ReportsError, match="is empty"):
        read_reports(empty)
