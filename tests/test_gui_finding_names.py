"""Finding names in the Chinese user interface: wizard labels, split and results pages, and the findings chart.

Screenshots go to the test's tmp folder and to /tmp/zh-shots/.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from app.finding_axis import MAX_LABEL_WIDTH
from app.i18n import current_language, install_translators
from app.predictions.findings_chart import FindingsChart
from app.predictions.findings_panel import FindingsPanel
from app.predictions.results import FindingResult
from app.wizard import TrainingWizard
from app.wizard.wizard import PAGE_DATA, PAGE_LABELS, PAGE_SPLIT
from greenrfm_core.evaluation.report import evaluate_scores
from greenrfm_core.io.dicom_writer import write_dicom_series
from greenrfm_core.schemas import load_schema
from greenrfm_core.volume import Volume

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/zh-shots")
CHEST = load_schema("chest-ct")
ZH_NAMES = {finding.id: finding.name["zh"] for finding in CHEST.findings}
EN_NAMES = {finding.id: finding.name["en"] for finding in CHEST.findings}


def save_shot(widget, tmp_path: Path, name: str) -> None:
    """Grab ``widget`` into tmp_path/name.png and copy it to /tmp/zh-shots/."""
    QApplication.processEvents()
    path = tmp_path / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save screenshot {path}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def axis_tick_labels(plot) -> list[str]:
    """Return the left-axis tick labels that ``setTicks`` gave the plot."""
    # AxisItem has no public getter for ticks set with setTicks, so this reads the stored tick levels.
    levels = plot.getAxis("left")._tickLevels or []
    return [label for level in levels for _, label in level]


def row_spacing_and_label_height(plot, font, names: list[str]) -> tuple[float, int]:
    """Return the pixels between two bar rows of ``plot`` and the height of the tallest of ``names``."""
    view_box = plot.getPlotItem().vb
    row_pixels = abs(view_box.mapViewToScene(QPointF(0, 0)).y() - view_box.mapViewToScene(QPointF(0, 1)).y())
    metrics = QFontMetrics(font)
    return row_pixels, max(metrics.boundingRect(name).height() for name in names)


@pytest.fixture
def chinese_ui():
    """Install the zh_CN translators as the app does at start-up, and restore English afterwards."""
    loaded = install_translators("zh_CN")
    assert any(name.startswith("greenrfm_wizard") for name in loaded), loaded
    assert current_language() == "zh_CN"
    yield
    install_translators("en")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Six CT studies of six patients and a chest-ct labels CSV.

    Findings 0 and 1 are positive in every study, so neither split side has a negative study for them. The
    other findings are positive in three studies, too few to train, so the labels page warns about them.
    """
    root = tmp_path_factory.mktemp("zh-cohort")
    studies = root / "studies"
    for index in range(6):
        array = np.full((4, 16, 16), -1000.0, dtype=np.float32)
        array[:, 4:12, 4:12] = 40.0
        volume = Volume(array=array, spacing=(2.0, 2.0, 4.0), modality="CT")
        write_dicom_series(
            volume, studies / f"s{index:03d}", patient={"id": f"P{index}"}, accession_number=f"A{index}"
        )
    labels = root / "labels.csv"
    with open(labels, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study_id", *CHEST.finding_ids])
        for index in range(6):
            values = [1 if column < 2 else (index + column) % 2 for column in range(len(CHEST.finding_ids))]
            writer.writerow([f"s{index:03d}", *values])
    return {"studies": studies, "labels": labels}


def test_wizard_pages_chinese_names(chinese_ui, qtbot, tmp_path, cohort):
    wizard = TrainingWizard(library_path=tmp_path / "library.sqlite", offer_pending=False)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    try:
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_DATA, timeout=5000)
        data = wizard.data_page
        data.studies_edit.setText(str(cohort["studies"]))
        data.labels_edit.setText(str(cohort["labels"]))
        data.scan_button.click()
        qtbot.waitUntil(lambda: data.task is not None and data.task.isFinished(), timeout=30000)
        qtbot.waitUntil(data.isComplete, timeout=5000)

        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_LABELS, timeout=5000)
        labels = wizard.labels_page
        save_shot(wizard, tmp_path, "wizard-labels-zh_CN")
        headers = [
            labels.table.horizontalHeaderItem(column).text() for column in range(labels.table.columnCount())
        ]
        assert headers == [ZH_NAMES[finding_id] for finding_id in CHEST.finding_ids]
        assert set(axis_tick_labels(labels.chart)) == set(ZH_NAMES.values())
        row_pixels, tallest = row_spacing_and_label_height(labels.chart, labels.finding_labels.font, headers)
        assert row_pixels >= tallest, f"{row_pixels:.1f} px per row, labels are {tallest} px tall"
        assert ZH_NAMES[CHEST.finding_ids[2]] in labels.warnings.text()
        assert EN_NAMES[CHEST.finding_ids[2]] not in labels.warnings.text()

        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == PAGE_SPLIT, timeout=5000)
        split = wizard.split_page
        save_shot(wizard, tmp_path, "wizard-split-zh_CN")
        rows = [split.table.item(row, 0).text() for row in range(split.table.rowCount())]
        assert rows == [ZH_NAMES[finding_id] for finding_id in CHEST.finding_ids]
        warning = split.warnings.text()
        assert ZH_NAMES[CHEST.finding_ids[1]] in warning
        assert CHEST.finding_ids[1] not in warning
        assert EN_NAMES[CHEST.finding_ids[1]] not in warning

        results = wizard.results_page
        finding_ids = CHEST.finding_ids[2:6]
        rng = np.random.default_rng(0)
        truth = np.tile(np.array([[1], [0]]), (10, len(finding_ids)))
        scores = truth * 0.4 + rng.random(truth.shape) * 0.6
        report = evaluate_scores(truth, scores, finding_ids, n_resamples=0).to_dict()
        # Reaching the results page needs a finished training job, so the page is filled and grabbed directly.
        results.show_results(report, None)
        results.resize(1000, 640)
        save_shot(results, tmp_path, "wizard-results-zh_CN")
        rows = [results.table.item(row, 0).text() for row in range(results.table.rowCount())]
        assert rows == [ZH_NAMES[finding_id] for finding_id in finding_ids]
        legend = results.roc_plot.getPlotItem().legend
        legend_names = [label.text for _, label in legend.items]
        assert legend_names == [ZH_NAMES[finding_id] for finding_id in finding_ids]
    finally:
        wizard.runner.detach()


def _chart_results(schema_task: str, key: str) -> list[FindingResult]:
    schema = load_schema(schema_task)
    return [
        FindingResult(finding.id, finding.name[key], 0.95 - 0.03 * index, 0.5)
        for index, finding in enumerate(schema.findings)
    ]


@pytest.mark.parametrize(("language", "key"), [("zh_CN", "zh"), ("en", "en")])
def test_findings_chart_labels_apart(qtbot, tmp_path, language, key):
    install_translators(language)
    try:
        panel = FindingsPanel()
        qtbot.addWidget(panel)
        panel.resize(420, 500)
        panel.show()
        qtbot.waitExposed(panel)
        results = _chart_results("abdomen-ct", key)
        panel.set_results(results, "")
        QApplication.processEvents()
        save_shot(panel, tmp_path, f"findings-chart-abdomen-ct-{language}")
    finally:
        install_translators("en")

    chart = panel.chart
    assert axis_tick_labels(chart) == [row.name for row in results]
    row_pixels, tallest = row_spacing_and_label_height(
        chart, chart.finding_labels.font, [r.name for r in results]
    )
    assert row_pixels >= tallest, f"{row_pixels:.1f} px per row, labels are {tallest} px tall"


def test_findings_chart_elides_long_name(chinese_ui, qtbot, tmp_path):
    long_name = "冠状动脉壁钙化伴左前降支近段重度狭窄及右冠状动脉中段混合斑块形成"
    results = [
        FindingResult("long_finding", long_name, 0.9, 0.5),
        FindingResult("nodule", "肺结节", 0.2, 0.5),
    ]
    chart = FindingsChart()
    qtbot.addWidget(chart)
    chart.resize(420, 240)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_results(results)
    QApplication.processEvents()
    save_shot(chart, tmp_path, "findings-chart-elided-zh_CN")

    first_label, second_label = axis_tick_labels(chart)
    assert first_label != long_name
    assert first_label.endswith("…")
    assert QFontMetrics(chart.finding_labels.font).horizontalAdvance(first_label) <= MAX_LABEL_WIDTH
    assert second_label == "肺结节"

    view_box = chart.getPlotItem().vb
    chart.finding_labels.show_tooltip(view_box.mapViewToScene(QPointF(0.5, 1.0)))
    assert chart.toolTip() == long_name
    chart.finding_labels.show_tooltip(view_box.mapViewToScene(QPointF(0.5, 0.0)))
    assert chart.toolTip() == "肺结节"
    chart.finding_labels.show_tooltip(view_box.mapViewToScene(QPointF(0.5, 5.0)))
    assert chart.toolTip() == ""


@pytest.mark.parametrize("key", ["en", "zh"])
def test_findings_table_names_not_cut(qtbot, key):
    from PySide6.QtCore import QRect, Qt

    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    results = _chart_results("chest-ct", key)
    panel.set_results(results, "")
    # The narrowest width the layout allows is where names would be cut off first.
    panel.resize(panel.minimumSizeHint().width(), 700)
    QApplication.processEvents()

    table = panel.table
    assert table.textElideMode() == Qt.TextElideMode.ElideNone
    column_width = table.columnWidth(0)
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        name = item.text()
        assert name in item.toolTip(), f"row {row}: the tooltip must contain the full name"
        metrics = QFontMetrics(item.font())
        widest_word = max(metrics.horizontalAdvance(word) for word in name.split())
        assert widest_word <= column_width - 8, (
            f"{name!r} has a word wider than the column ({column_width} px)"
        )
        wrapped = metrics.boundingRect(QRect(0, 0, column_width - 8, 10_000), Qt.TextFlag.TextWordWrap, name)
        assert table.rowHeight(row) >= wrapped.height(), f"{name!r} needs {wrapped.height()} px"
    names = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert sorted(names) == sorted(result.name for result in results)
