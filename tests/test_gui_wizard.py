"""Training wizard under Xvfb: pages, malformed inputs, labels review, split, translation, and a real run.

Screenshots of every page go to the test's tmp folder and to /tmp/wizard-shots/.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app.wizard import TrainingWizard
from app.wizard.wizard import PAGE_DATA, PAGE_LABELS, PAGE_SPLIT
from greenrfm_core.io.dicom_writer import write_dicom_series
from greenrfm_core.labels.llm import is_loopback_url
from greenrfm_core.schemas import load_schema
from greenrfm_core.volume import Volume

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/wizard-shots")
QM_PATH = Path(__file__).resolve().parents[1] / "resources" / "translations" / "greenrfm_wizard_zh_CN.qm"


def save_shot(widget, tmp_path: Path, name: str) -> Path:
    """Grab ``widget`` into tmp_path/name.png and copy it to /tmp/wizard-shots/."""
    QApplication.processEvents()
    path = tmp_path / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save screenshot {path}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


def _write_study(folder: Path, patient_id: str, accession: str) -> None:
    array = np.full((4, 16, 16), -1000.0, dtype=np.float32)
    array[:, 4:12, 4:12] = 40.0
    volume = Volume(array=array, spacing=(2.0, 2.0, 4.0), modality="CT")
    write_dicom_series(volume, folder, patient={"id": patient_id}, accession_number=accession)


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory):
    """Six CT studies of four patients, a labels CSV for chest-ct and an unreadable folder."""
    root = tmp_path_factory.mktemp("cohort")
    studies = root / "studies"
    for index in range(6):
        _write_study(
            studies / f"s{index:03d}",
            patient_id=f"P{index // 2 if index < 4 else index}",
            accession=f"A{index}",
        )
    (studies / "broken").mkdir()
    (studies / "broken" / "notes.txt").write_text("not an image", encoding="utf-8")
    finding_ids = load_schema("chest-ct").finding_ids
    labels = root / "labels.csv"
    with open(labels, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study_id", *finding_ids])
        for index in range(6):
            writer.writerow([f"s{index:03d}", *[(index + column) % 2 for column in range(len(finding_ids))]])
        writer.writerow(["s999", *[0] * len(finding_ids)])
    return {"studies": studies, "labels": labels, "finding_ids": finding_ids, "root": root}


@pytest.fixture
def wizard(qtbot, tmp_path):
    window = TrainingWizard(library_path=tmp_path / "library.sqlite", offer_pending=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.detach()


def _go_to_data_page(wizard, qtbot):
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_DATA, timeout=5000)


def _scan(wizard, qtbot, studies="", reports="", labels="", id_column=""):
    page = wizard.data_page
    page.studies_edit.setText(str(studies))
    page.reports_edit.setText(str(reports))
    page.labels_edit.setText(str(labels))
    page.id_column.setCurrentText(id_column)
    page.scan_button.click()
    qtbot.waitUntil(
        lambda: page.task is not None and page.task.isFinished() and page.scan_button.isEnabled(),
        timeout=30000,
    )
    QApplication.processEvents()
    return page


def test_task_page_saves_custom_schema(wizard, qtbot, tmp_path):
    page = wizard.task_page
    page.radios["custom"].setChecked(True)
    page.custom_name.setText("lung nodules")
    page.add_finding_row(("Nodule", "", "", "", ""))
    assert not page.validatePage()
    assert "invalid" in page.error.text()

    page.table.item(0, 0).setText("nodule")
    page.table.item(0, 1).setText("Lung nodule")
    page.table.item(0, 2).setText("肺结节")
    page.table.item(0, 4).setText("结节，小结节")
    page.add_finding_row(("mass", "Lung mass", "肿块", "mass, lesion", ""))
    save_shot(wizard, tmp_path, "01-task-custom")
    assert page.validatePage(), page.error.text()

    saved = Path(wizard.state.schema_path)
    document = json.loads(saved.read_text(encoding="utf-8"))
    schema = load_schema(saved)
    assert schema.finding_ids == ["nodule", "mass"]
    assert document["findings"][0]["synonyms"]["zh"] == ["结节", "小结节"]
    assert document["findings"][1]["synonyms"]["en"] == ["mass", "lesion"]
    assert wizard.state.base_task == "chest-ct"


def test_task_page_rejects_duplicate_ids(wizard):
    page = wizard.task_page
    page.radios["custom"].setChecked(True)
    page.add_finding_row(("mass", "Mass"))
    page.add_finding_row(("mass", "Mass again"))
    assert not page.validatePage()
    assert "used twice" in page.error.text()


def test_data_page_matches_labels_file(wizard, qtbot, tmp_path, small_cohort):
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], labels=small_cohort["labels"])
    save_shot(wizard, tmp_path, "02-data-matched")
    assert page.error.text() == ""
    assert page.isComplete()
    assert len(wizard.state.match.matched) == 6
    assert wizard.state.id_column == "study_id"
    statuses = {
        page.table.item(row, 0).text(): page.table.item(row, 1).text() for row in range(page.table.rowCount())
    }
    reasons = {
        page.table.item(row, 0).text(): page.table.item(row, 2).text() for row in range(page.table.rowCount())
    }
    assert statuses["s000"] == "Matched"
    assert statuses["s999"] == "No study"
    assert statuses["broken"] == "Unreadable"
    assert "DICOM" in reasons["broken"]
    assert "6 matched" in page.summary.text()


def test_data_page_missing_id_column(wizard, qtbot, tmp_path, small_cohort):
    bad = tmp_path / "labels_no_id.csv"
    text = small_cohort["labels"].read_text(encoding="utf-8").replace("study_id", "name", 1)
    bad.write_text(text, encoding="utf-8")
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], labels=bad)
    save_shot(wizard, tmp_path, "02-data-missing-id-column")
    assert "No study id column" in page.error.text()
    assert "name" in page.error.text()
    assert not page.isComplete()
    assert page.labels_edit.text() == str(bad)
    assert page.studies_edit.text() == str(small_cohort["studies"])


def test_data_page_no_matching_studies(wizard, qtbot, tmp_path, small_cohort):
    other = tmp_path / "labels_other_ids.csv"
    text = small_cohort["labels"].read_text(encoding="utf-8").replace("\ns0", "\nX0")
    other.write_text(text.replace("s999", "X999"), encoding="utf-8")
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], labels=other)
    assert "No study" in page.error.text()
    assert "choose another id column" in page.error.text()
    assert not page.isComplete()
    assert page.labels_edit.text() == str(other)


def test_data_page_missing_folder(wizard, qtbot, tmp_path, small_cohort):
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=tmp_path / "absent", labels=small_cohort["labels"])
    assert "Studies folder not found" in page.error.text()
    assert not page.isComplete()


def test_labels_and_split_pages(wizard, qtbot, tmp_path, small_cohort):
    _go_to_data_page(wizard, qtbot)
    _scan(wizard, qtbot, studies=small_cohort["studies"], labels=small_cohort["labels"])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_LABELS, timeout=5000)
    page = wizard.labels_page
    save_shot(wizard, tmp_path, "03-labels")
    assert page.table.rowCount() == 6
    assert page.table.columnCount() == len(small_cohort["finding_ids"])
    assert page.table.item(0, 0).text() == "0"
    assert page.isComplete()
    before = int(page.positives_per_finding()[0])

    page.table.item(0, 0).setText("yes")
    assert "must be 1" in page.error.text()
    assert page.table.item(0, 0).text() == "0"
    page.table.item(0, 0).setText("1")
    assert page.error.text() == ""
    assert wizard.state.labels["s000"][0] == 1.0
    assert int(page.positives_per_finding()[0]) == before + 1
    assert "fewer than 5 positive studies" in page.warnings.text()

    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_SPLIT, timeout=5000)
    split = wizard.split_page
    save_shot(wizard, tmp_path, "04-split")
    train, validation = set(wizard.state.train_ids), set(wizard.state.validation_ids)
    assert train and validation
    assert not train & validation
    assert len(train | validation) == 6
    # s000 and s001 belong to patient P0, so they must land on the same side.
    assert ("s000" in train) == ("s001" in train)
    first_row = [int(split.table.item(0, column).text()) for column in range(1, 5)]
    assert first_row[0] + first_row[2] == before + 1
    assert sum(first_row) == 6


def test_endpoint_warning_for_remote_host(wizard):
    page = wizard.labels_page
    page.llm.setChecked(True)
    page.endpoint.setText("http://10.1.2.3:8000/v1")
    assert "leave this machine" in page.endpoint_warning.text()
    page.endpoint.setText("http://127.0.0.1:8000/v1")
    assert page.endpoint_warning.text() == ""
    assert is_loopback_url("http://localhost:1234")
    assert is_loopback_url("http://[::1]:80/")
    assert not is_loopback_url("https://api.example.com/v1")


def test_translation_covers_wizard(qtbot, tmp_path):
    translator = QTranslator()
    assert translator.load(str(QM_PATH))
    assert translator.translate("TaskPage", "Chest CT") == "胸部 CT"
    assert translator.translate("TrainPage", "Validation AUROC") == "验证集 AUROC"
    app = QApplication.instance()
    app.installTranslator(translator)
    try:
        window = TrainingWizard(library_path=tmp_path / "library.sqlite", offer_pending=False)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert window.task_page.radios["knee-mri"].text() == "膝关节 MRI"
        assert window.windowTitle() == "训练模型"
        save_shot(window, tmp_path, "00-task-zh_CN")
        window.runner.detach()
    finally:
        app.removeTranslator(translator)
    assert QLocale("zh_CN").name() == "zh_CN"


def _write_reports(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_data_page_reads_gbk_reports(wizard, qtbot, tmp_path, small_cohort):
    reports = tmp_path / "reports_gbk.csv"
    rows = [
        [f"s{index:03d}", "右侧少量胸腔积液。" if index % 2 else "未见胸腔积液。", "随访。"]
        for index in range(6)
    ]
    _write_reports(reports, ["检查号", "影像所见", "诊断意见"], rows, "gbk")
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], reports=reports)
    save_shot(wizard, tmp_path, "02-data-gbk-reports")
    assert page.error.text() == ""
    assert page.isComplete()
    assert wizard.state.id_column == "检查号"
    assert "胸腔积液" in wizard.state.reports["s001"]
    assert len(wizard.state.match.matched) == 6


def test_data_page_reports_without_id_column(wizard, qtbot, tmp_path, small_cohort):
    reports = tmp_path / "reports_no_id.csv"
    _write_reports(reports, ["exam", "report"], [["s000", "No effusion."]], "utf-8")
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], reports=reports)
    save_shot(wizard, tmp_path, "02-data-reports-missing-id")
    assert "no study id column" in page.error.text()
    assert "Choose the study id column" in page.error.text()
    assert "--id-column" not in page.error.text()
    assert [page.id_column.itemText(i) for i in range(page.id_column.count())] == ["exam", "report"]
    assert page.reports_edit.text() == str(reports)

    page.id_column.setCurrentText("exam")
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], reports=reports, id_column="exam")
    assert page.error.text() == ""
    assert page.isComplete()
    assert wizard.state.id_column == "exam"


def test_data_page_reports_without_matches(wizard, qtbot, tmp_path, small_cohort):
    reports = tmp_path / "reports_other.csv"
    _write_reports(reports, ["study_id", "report"], [["Z1", "No effusion."], ["Z2", "Effusion."]], "utf-8")
    _go_to_data_page(wizard, qtbot)
    page = _scan(wizard, qtbot, studies=small_cohort["studies"], reports=reports)
    assert "No study in" in page.error.text()
    assert "study_id" in page.error.text()
    assert not page.isComplete()


def test_translation_file_is_complete():
    import xml.etree.ElementTree as ET

    tree = ET.parse(QM_PATH.with_suffix(".ts"))
    unfinished = [
        message.find("source").text
        for message in tree.iter("message")
        if message.find("translation").get("type") in ("unfinished", "obsolete")
        or not (message.find("translation").text or "").strip()
    ]
    assert unfinished == []
    assert QM_PATH.stat().st_mtime >= QM_PATH.with_suffix(".ts").stat().st_mtime - 5


def test_remote_labeling_needs_confirmation(wizard, qtbot):
    page = wizard.labels_page
    page.llm.setChecked(True)
    page.endpoint.setText("http://10.1.2.3:8000/v1")
    seen = []

    def decline() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(QMessageBox.StandardButton.No).click()
        else:
            QTimer.singleShot(50, decline)

    QTimer.singleShot(50, decline)
    page.start_labeling()
    assert seen and "10.1.2.3" in seen[0]
    assert page.task is None
