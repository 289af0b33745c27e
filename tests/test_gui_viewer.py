"""Drive the real main window under Xvfb: open a phantom CT, read it, predict, show heat maps, export.

Run with ``xvfb-run -a -s "-screen 0 1280x800x24" python -m pytest tests/test_gui_viewer.py -q``.
Screenshots go to the pytest tmp folder and to /tmp/gui-shots/.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from app.viewer.three_view import HOT_FRACTION
from greenrfm_core.inference.heatmap import body_mask

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/gui-shots")
PATIENT_NAME = "Zhang^Sanfeng"
PATIENT_ID = "PID-4711"
LOAD_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    """A small chest CT phantom with a pleural effusion, written as DICOM with a patient name and ID."""
    from greenrfm_core.io import write_dicom_series
    from greenrfm_core.phantom.chest import render_chest_ct
    from greenrfm_core.phantom.chest_anatomy import ChestPatient

    rng = np.random.default_rng(7)
    volume, landmarks = render_chest_ct(ChestPatient.sample(rng), {"pleural_effusion"}, rng, "small")
    folder = tmp_path_factory.mktemp("phantom-dicom")
    write_dicom_series(
        volume,
        folder,
        modality="CT",
        patient={"name": PATIENT_NAME, "id": PATIENT_ID},
        study_description="Chest CT phantom",
        series_description="Phantom chest CT",
        study_date="20250102",
    )
    return {"folder": folder, "volume": volume, "landmarks": landmarks}


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    """A randomly initialised chest CT model (no text encoder) with a reduced input grid, saved as a model folder."""
    import torch

    from greenrfm_core.modelfolder import save_model_folder
    from greenrfm_core.models import ArchitectureConfig, build_model
    from greenrfm_core.preprocess.spec import load_spec
    from greenrfm_core.schemas import load_schema

    torch.manual_seed(0)
    schema = load_schema("chest-ct")
    spec = dict(load_spec("chest-ct"))
    spec.update(shape=[96, 96, 48], spacing=[3.0, 3.0, 6.0])
    config = ArchitectureConfig(
        widths=ArchitectureConfig.scaled_widths(0.125), num_findings=len(schema.findings), latent_dim=32
    )
    model = build_model(config, with_text=False).eval()
    folder = tmp_path_factory.mktemp("models") / "tiny-chest-ct"
    return save_model_folder(folder, model, config, schema, spec, provenance={"synthetic": True})


@pytest.fixture()
def window(qtbot):
    from app.main_window import MainWindow
    from app.settings import StudioSettings

    main_window = MainWindow(StudioSettings(), "en")
    qtbot.addWidget(main_window)
    main_window.resize(1400, 860)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.close()


@pytest.fixture()
def opened(window, phantom, qtbot):
    """The window with the phantom study open."""
    with qtbot.waitSignal(window.studyLoaded, timeout=LOAD_TIMEOUT_MS):
        window.open_folder(phantom["folder"])
    QApplication.processEvents()
    return window


def save_shot(window, tmp_path: Path, name: str) -> Path:
    from app.screenshot import save_screenshot

    path = save_screenshot(window, window.viewer, tmp_path / f"{name}.png")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


def send_wheel(widget, steps: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(QPoint(int(centre.x()), int(centre.y())))),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def marker_index(phantom) -> np.ndarray:
    volume = phantom["volume"]
    centre = np.asarray(phantom["landmarks"]["marker_centre"], dtype=float)
    return np.rint((centre - np.asarray(volume.origin)) / np.asarray(volume.spacing)).astype(int)


def test_three_views_render_real_pixels(opened, tmp_path):
    viewer = opened.viewer
    for plane in ("axial", "coronal", "sagittal"):
        pixels = viewer.capture(plane)
        assert pixels.shape[0] > 100, plane
        assert pixels.shape[1] > 100, plane
        assert pixels.std() > 10.0, f"{plane} view is nearly uniform"
        grey_levels = np.unique(pixels[..., 0])
        assert grey_levels.size > 30, f"{plane} view shows only {grey_levels.size} grey levels"
    assert opened.volume.array.shape == (64, 128, 128)
    assert opened.browser.row_count() == 1
    assert "Zhang Sanfeng" == opened.browser.table.item(0, 0).text()
    save_shot(opened, tmp_path, "viewer-opened")


def test_axial_marker_is_on_screen_right(opened, phantom, tmp_path):
    viewer = opened.viewer
    i, j, k = marker_index(phantom)
    assert i > phantom["volume"].array.shape[2] / 2, (
        "the phantom's marker lies on the patient's left (high x)"
    )
    viewer.set_cursor(int(i), int(j), int(k))
    viewer.apply_preset("bone")
    view = viewer.views["axial"]
    pixels = view.capture()
    x, y = view.world_to_display(np.array([i, j, k]) * np.asarray(phantom["volume"].spacing))
    _height, width, _ = pixels.shape
    assert x > width / 2, "patient left must be drawn on the screen's right in the axial view"
    # The marker is about two voxels wide, so look at the brightest pixel within a few pixels of its centre.
    row, column, mirrored_column = round(y), round(x), round(width - 1 - x)
    marker_grey = int(pixels[row - 3 : row + 4, column - 3 : column + 4, 0].max())
    mirrored_grey = int(pixels[row - 3 : row + 4, mirrored_column - 3 : mirrored_column + 4, 0].max())
    assert marker_grey > 200, f"marker pixel grey {marker_grey}; expected bright bone"
    assert mirrored_grey < marker_grey - 60, "the patient's right side must not show the marker"
    save_shot(opened, tmp_path, "viewer-marker-bone-window")


def test_scroll_by_wheel_and_keys(opened, qtbot):
    viewer = opened.viewer
    view = viewer.views["axial"]
    start = viewer.slice_index("axial")
    before = view.capture()
    send_wheel(view, 1)
    assert viewer.slice_index("axial") == start + 1
    send_wheel(view, -1)
    send_wheel(view, -1)
    assert viewer.slice_index("axial") == start - 1
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert viewer.slice_index("axial") == start + 9
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert viewer.slice_index("axial") == start + 8
    assert not np.array_equal(before, view.capture()), "a different slice must change the pixels"
    for _ in range(10):
        qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert viewer.slice_index("axial") == opened.volume.array.shape[0] - 1, (
        "scrolling stops at the last slice"
    )


def test_window_level_drag_and_presets(opened, qtbot):
    viewer = opened.viewer
    view = viewer.views["axial"]
    level, window_width = viewer.level, viewer.window
    before = view.capture()
    centre = QPoint(view.width() // 2, view.height() // 2)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(view, centre + QPoint(60, 0))
    qtbot.mouseMove(view, centre + QPoint(120, -40))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=centre + QPoint(120, -40))
    assert viewer.window > window_width, "dragging right widens the window"
    assert viewer.level > level, "dragging up raises the level"
    after_drag = view.capture()
    assert not np.array_equal(before, after_drag)
    assert viewer.slice_index("axial") == opened.volume.array.shape[0] // 2, "a drag is not a click"

    viewer.apply_preset("lung")
    assert (viewer.level, viewer.window) == (-600.0, 1500.0)
    lung = view.capture()
    viewer.apply_preset("bone")
    assert (viewer.level, viewer.window) == (400.0, 1800.0)
    assert not np.array_equal(lung, view.capture())
    opened.actions_by_name["preset_mediastinum"].trigger()
    assert (viewer.level, viewer.window) == (40.0, 400.0)


def test_click_moves_linked_crosshair(opened, qtbot):
    viewer = opened.viewer
    axial = viewer.views["axial"]
    k = viewer.slice_index("axial")
    target = np.array([30, 90, k]) * np.asarray(opened.volume.spacing)
    x, y = axial.world_to_display(target)
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    i, j, new_k = viewer.cursor
    assert abs(i - 30) <= 1
    assert abs(j - 90) <= 1
    assert new_k == k, "a click in the axial view keeps the axial slice"
    assert viewer.slice_index("coronal") == j
    assert viewer.slice_index("sagittal") == i


def test_zoom_pan_and_reset(opened, qtbot):
    viewer = opened.viewer
    view = viewer.views["coronal"]
    camera = view._renderer.GetActiveCamera()
    scale = camera.GetParallelScale()
    send_wheel(view, 2, Qt.KeyboardModifier.ControlModifier)
    assert camera.GetParallelScale() < scale, "Ctrl+wheel zooms in"
    focal = np.array(camera.GetFocalPoint())
    view.pan(QPointF(100, 100), QPointF(140, 100))
    assert not np.allclose(focal, camera.GetFocalPoint())
    viewer.scroll("coronal", 5)
    opened.actions_by_name["reset_view"].trigger()
    assert camera.GetParallelScale() == pytest.approx(scale, rel=1e-6)
    assert list(viewer.cursor) == [n // 2 for n in opened.volume.shape_xyz]


def test_aspect_ratio_follows_spacing(opened):
    view = opened.viewer.views["coronal"]
    volume = opened.volume
    x_extent = volume.shape_xyz[0] * volume.spacing[0]
    z_extent = volume.shape_xyz[2] * volume.spacing[2]
    left = view.world_to_display(np.array([0.0, 0.0, 0.0]))
    right = view.world_to_display(np.array([x_extent, 0.0, 0.0]))
    top = view.world_to_display(np.array([0.0, 0.0, z_extent]))
    pixels_per_mm_x = abs(right[0] - left[0]) / x_extent
    pixels_per_mm_z = abs(top[1] - left[1]) / z_extent
    assert pixels_per_mm_x == pytest.approx(pixels_per_mm_z, rel=0.01), "square millimetres on screen"


def test_predict_heatmap_and_exports(opened, model_folder, qtbot, tmp_path):
    from pypdf import PdfReader

    assert opened.predictions.add_model_folder(model_folder)
    panel = opened.findings
    assert panel.current_model().folder == Path(model_folder)
    assert "synthetic" in panel.model_warning.text()
    with qtbot.waitSignal(opened.predictions.predictionFinished, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.predict_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True], opened.messages.history
    assert panel.table.rowCount() == 18
    probabilities = [float(panel.table.item(row, 1).text()) for row in range(18)]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities, reverse=True)
    assert panel.table.item(0, 0).text() != panel.table.item(0, 0).data(Qt.ItemDataRole.UserRole), (
        "display name"
    )
    assert len(panel.chart.bars.opts["width"]) == 18

    view = opened.viewer.views["axial"]
    finding_id = panel.table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(opened.predictions.heatmapShown, timeout=LOAD_TIMEOUT_MS):
        panel.select_finding(finding_id)
    heatmap = opened.viewer.heatmap
    assert heatmap is not None and heatmap.shape == opened.volume.array.shape
    i, j, k = opened.viewer.cursor
    assert heatmap[k, j, i] >= HOT_FRACTION * heatmap.max(), "jumps to the peak activation"
    outside_body = ~body_mask(opened.volume)
    assert outside_body.any()
    assert heatmap[outside_body].max() == 0.0, "the overlay colours tissue only"
    with_overlay = view.capture()
    opened.viewer.opacity_slider.setValue(0)
    without_overlay = view.capture()
    assert np.abs(with_overlay.astype(int) - without_overlay.astype(int)).sum() > 1000, (
        "overlay changes pixels"
    )
    opened.viewer.opacity_slider.setValue(60)
    save_shot(opened, tmp_path, "viewer-heatmap")

    csv_path = opened.predictions.export("csv", tmp_path / "findings.csv")
    rows = list(csv.DictReader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 18
    assert {row["finding_id"] for row in rows} == {row.finding_id for row in opened.predictions.results}
    json_path = opened.predictions.export("json", tmp_path / "findings.json")
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert len(document["findings"]) == 18
    assert document["model"]["task"] == "chest-ct"
    for exported in (csv_path, json_path):
        text = exported.read_text(encoding="utf-8-sig")
        assert "Zhang" not in text, f"{exported.name} contains the patient name"
        assert PATIENT_ID not in text, f"{exported.name} contains the patient ID"

    plain = opened.predictions.export("pdf", tmp_path / "report.pdf")
    named = opened.predictions.export("pdf", tmp_path / "report-named.pdf", include_identifiers=True)
    for report in (plain, named):
        data = report.read_bytes()
        assert data.startswith(b"%PDF-"), report.name
        assert len(data) > 20_000, f"{report.name} is {len(data)} bytes; expected text and three images"
    # pypdf separates the words that Qt positions one by one with tabs; compare on single spaces.
    plain_text = " ".join(PdfReader(str(plain)).pages[0].extract_text().split())
    named_text = " ".join(PdfReader(str(named)).pages[0].extract_text().split())
    assert len(PdfReader(str(plain)).pages) == 1
    assert "Chest CT phantom" in plain_text
    assert "Not for clinical use" in plain_text
    assert "Zhang" not in plain_text
    assert PATIENT_ID not in plain_text
    assert "Zhang Sanfeng" in named_text
    assert PATIENT_ID in named_text
    shutil.copy(plain, SHOTS / "report.pdf")


def test_mri_opens_with_percentile_window(qtbot):
    from app.viewer import ThreeViewViewer
    from greenrfm_core.volume import Volume

    rng = np.random.default_rng(2)
    array = rng.gamma(2.0, 150.0, size=(24, 64, 48)).astype(np.float32)
    viewer = ThreeViewViewer()
    qtbot.addWidget(viewer)
    viewer.resize(900, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.set_volume(Volume(array, spacing=(0.5, 0.5, 3.0), modality="MR"))
    low, high = np.percentile(array, [1, 99])
    assert viewer.window == pytest.approx(high - low, rel=0.05)
    assert viewer.level == pytest.approx((low + high) / 2, rel=0.05)
    assert [viewer.preset_box.itemData(i) for i in range(viewer.preset_box.count())] == ["auto"]
    assert viewer.capture("sagittal").std() > 10
    viewer.finalize()


def test_model_picker_lists_library_models(window, model_folder):
    from greenrfm_core.library import Library

    with Library() as library:
        library.register_model(model_folder, name="registered-tiny")
    window.predictions.reload_models()
    entries = window.findings.entries
    library_entries = [entry for entry in entries if entry.source == "library"]
    assert [entry.name for entry in library_entries] == ["registered-tiny"]
    assert library_entries[0].task == "chest-ct"
    assert len(library_entries[0].finding_ids) == 18
    assert window.findings.model_box.count() == len(entries)


def test_flat_heatmap_keeps_crosshair(opened):
    viewer = opened.viewer
    viewer.set_cursor(40, 50, 20)
    shown = viewer.set_heatmap(np.zeros(opened.volume.array.shape, np.float32), "empty_map")
    assert shown is False
    assert list(viewer.cursor) == [40, 50, 20], "a flat map has no maximum to jump to"
    assert viewer.heatmap_label.text() == "empty_map"


def test_scroll_interpolation_and_multisampling(opened, qtbot):
    viewer = opened.viewer
    properties = {plane: view._base_slice.GetProperty() for plane, view in viewer.views.items()}
    for plane, view in viewer.views.items():
        assert view.GetRenderWindow().GetMultiSamples() == 0, plane
    viewer.scroll("axial", 1)
    for plane, image_property in properties.items():
        assert image_property.GetInterpolationTypeAsString() == "Nearest", plane
    qtbot.waitUntil(
        lambda: all(p.GetInterpolationTypeAsString() == "Linear" for p in properties.values()), timeout=5000
    )
    assert viewer.capture("coronal").std() > 10


def test_series_opens_at_middle_slices(opened, phantom):
    shape_xyz = phantom["volume"].shape_xyz
    for plane, axis in (("sagittal", 0), ("coronal", 1), ("axial", 2)):
        assert opened.viewer.slice_index(plane) == shape_xyz[axis] // 2, plane


def test_heatmap_plateau_keeps_middle_slice(opened):
    viewer = opened.viewer
    middle = [int(c) for c in viewer.cursor]
    plateau = np.zeros(opened.volume.array.shape, np.float32)
    # The single maximum sits on the first axial slice, 1 % above a plateau that covers the middle.
    plateau[:, 40:90, 40:90] = 1.0
    plateau[0, 40:90, 40:90] = 1.01
    viewer.set_heatmap(plateau, "plateau")
    assert [int(c) for c in viewer.cursor] == middle

    focal = np.zeros(opened.volume.array.shape, np.float32)
    focal[3, 10, 20] = 1.0
    viewer.set_heatmap(focal, "focal")
    assert [int(c) for c in viewer.cursor] == [20, 10, 3], "a focal peak still moves the crosshair"


def test_body_mask_excludes_air_and_table(phantom):
    from greenrfm_core.inference.heatmap import mask_to_body

    volume = phantom["volume"]
    mask = body_mask(volume)
    nz, ny, nx = volume.array.shape
    assert mask.shape == volume.array.shape
    assert not mask[:, 0, 0].any(), "corner air is outside the body"
    assert mask[nz // 2, ny // 2, nx // 2], "the mediastinum is inside the body"
    lung_air = (volume.array < -700) & mask
    assert lung_air.sum() > 1000, "air-filled lung inside the outline belongs to the body"
    outside_tissue = (volume.array > -500) & ~mask
    assert outside_tissue.sum() > 0, "the table is tissue-dense but not body"

    heat = np.ones(volume.array.shape, np.float32)
    masked = mask_to_body(heat, volume)
    assert masked.max() == 1.0
    assert masked[~mask].max() == 0.0
    assert heat.min() == 1.0, "the input map is not changed"


def test_body_mask_nifti_without_modality(phantom):
    import dataclasses

    volume = dataclasses.replace(phantom["volume"], modality="")
    assert np.array_equal(body_mask(volume), body_mask(phantom["volume"]))


def test_colour_bar_labels_legible(opened):
    from PySide6.QtGui import QFontInfo

    viewer = opened.viewer
    heat = np.zeros(opened.volume.array.shape, np.float32)
    heat[20:40, 40:90, 40:90] = 1.0
    viewer.set_heatmap(heat, "pleural_effusion")
    for plane, view in viewer.views.items():
        bar = view._scalar_bar
        assert bar.GetVisibility(), plane
        assert bar.GetUnconstrainedFontSize(), f"{plane}: VTK must not shrink the labels to the bar"
        assert bar.GetLabelTextProperty().GetFontSize() == QFontInfo(view.font()).pixelSize(), plane
        assert bar.GetLabelTextProperty().GetFontSize() >= 10, plane
        assert bar.GetNumberOfLabels() <= 3, plane
        assert bar.GetTitle() in ("", None), f"{plane}: a finding name does not fit beside the bar"
