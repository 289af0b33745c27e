"""Three linked orthogonal views (axial, coronal, sagittal) sharing crosshair, window/level and heat map."""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.viewer.planes import PLANES
from app.viewer.presets import CT_PRESETS, automatic_window, default_window
from app.viewer.slice_view import SliceView
from app.viewer.vtk_image import image_data_from_array
from greenrfm_core.volume import Volume

log = logging.getLogger(__name__)

# Pixels of mouse travel that change the window by 1/200 of the series' value range.
_DRAG_FRACTION_PER_PX = 1.0 / 200.0

# Heat-map voxels at or above this fraction of the maximum count as the peak the crosshair jumps to.
HOT_FRACTION = 0.9

# Milliseconds without a scroll step after which the views redraw with linear interpolation.
_SCROLL_SETTLE_MS = 200


class ThreeViewViewer(QWidget):
    """Axial, coronal and sagittal views of one volume, linked through one crosshair position.

    The crosshair position is a voxel index ``(i, j, k)`` of ``Volume.array[k, j, i]``, and each view shows
    the slice through it. Window/level applies to all three views.
    """

    cursorChanged = Signal(int, int, int)
    windowLevelChanged = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.volume: Volume | None = None
        self.cursor = np.zeros(3, dtype=int)
        self.level = 40.0
        self.window = 400.0
        self._value_range = 1.0
        self.heatmap: np.ndarray | None = None
        self.heatmap_title = ""
        self._pending_renders: set[str] = set()
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self._render_pending)
        # While slices scroll the views draw with nearest-neighbour interpolation, which is cheaper. Linear
        # interpolation returns once no scroll step has come for this long.
        self._scrolling = False
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(_SCROLL_SETTLE_MS)
        self._settle_timer.timeout.connect(self._end_scrolling)

        self.views = {plane: SliceView(plane, self) for plane in PLANES}
        for view in self.views.values():
            view.scrollRequested.connect(lambda delta, v=view: self.scroll(v.plane, delta))
            view.pointPicked.connect(self._on_point_picked)
            view.windowLevelDragged.connect(self._on_window_level_drag)
            view.resetRequested.connect(self.reset_view)

        self.preset_box = QComboBox(self)
        self.preset_box.setToolTip(self.tr("Window/level preset"))
        self.preset_box.activated.connect(self._on_preset_chosen)
        self.reset_button = QToolButton(self)
        self.reset_button.setText(self.tr("Reset view"))
        self.reset_button.clicked.connect(self.reset_view)
        self.opacity_label = QLabel(self.tr("Heat map opacity"), self)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(50)
        self.opacity_slider.setMinimumWidth(100)
        self.opacity_slider.setMaximumWidth(160)
        self.opacity_slider.setToolTip(self.tr("Opacity of the heat map over the images"))
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)
        self.empty_hint = QLabel(
            self.tr("Open a study with File > Open folder, or drop a folder on this window."), self
        )
        self.empty_hint.setStyleSheet("color: #9aa4ae;")
        self.empty_hint.setMinimumWidth(40)
        self.heatmap_label = QLabel(self)
        self.heatmap_label.setStyleSheet("color: #f0a030;")
        self._set_overlay_controls_enabled(False)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 2, 4, 2)
        controls.addWidget(QLabel(self.tr("Window:"), self))
        controls.addWidget(self.preset_box)
        controls.addWidget(self.reset_button)
        controls.addSpacing(12)
        controls.addWidget(self.empty_hint)
        controls.addStretch(1)
        controls.addWidget(self.heatmap_label)
        controls.addWidget(self.opacity_label)
        controls.addWidget(self.opacity_slider)

        titles = {
            "axial": self.tr("Axial"),
            "coronal": self.tr("Coronal"),
            "sagittal": self.tr("Sagittal"),
        }
        grid = QGridLayout()
        grid.setSpacing(2)
        grid.setContentsMargins(0, 0, 0, 0)
        cells = {"axial": (0, 0, 2, 1), "coronal": (0, 1, 1, 1), "sagittal": (1, 1, 1, 1)}
        for plane, (row, column, row_span, column_span) in cells.items():
            cell = QWidget(self)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(0)
            title = QLabel(titles[plane], cell)
            title.setStyleSheet("background: #202428; color: #d8d8d8; padding: 2px 6px;")
            cell_layout.addWidget(title)
            cell_layout.addWidget(self.views[plane], 1)
            grid.addWidget(cell, row, column, row_span, column_span)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addLayout(grid, 1)
        self._fill_presets("CT")

    # ----- loading -----

    def set_volume(self, volume: Volume) -> None:
        """Show ``volume``: builds the VTK image once, centres the crosshair and picks a default window."""
        self.volume = volume
        self.empty_hint.hide()
        self.heatmap = None
        self.heatmap_title = ""
        # NOTE: the views draw the voxel grid and ignore Volume.direction. An oblique series, whose loader
        # keeps a residual rotation there, is shown unrotated, and its letters name the nearest patient axes.
        # VTK reads these voxels in place (no second copy of a large series), so keep a reference.
        self._voxels = np.ascontiguousarray(volume.array)
        image = image_data_from_array(self._voxels, volume.spacing, copy=False)
        low, high = float(np.min(volume.array)), float(np.max(volume.array))
        self._value_range = max(high - low, 1.0)
        self.level, self.window = default_window(volume.array, volume.modality)
        self._fill_presets(volume.modality)
        self._show_preset("mediastinum" if volume.modality.upper() == "CT" else "auto")
        self.cursor = np.array([n // 2 for n in volume.shape_xyz], dtype=int)
        for view in self.views.values():
            view.set_image(image)
        self._set_overlay_controls_enabled(False)
        self.heatmap_label.clear()
        self.refresh()
        self.windowLevelChanged.emit(self.level, self.window)
        self.cursorChanged.emit(*(int(c) for c in self.cursor))

    def _fill_presets(self, modality: str) -> None:
        self.preset_box.clear()
        if modality.upper() != "MR":
            for preset in CT_PRESETS:
                self.preset_box.addItem(
                    self.tr("{name} ({level:g}/{window:g})").format(
                        name=preset.label(), level=preset.level, window=preset.window
                    ),
                    preset.key,
                )
        self.preset_box.addItem(self.tr("Automatic (percentiles)"), "auto")

    # ----- navigation -----

    def refresh(self, first: str | None = None) -> None:
        """Update all three views from the current crosshair, window and level.

        Args:
            first: plane to redraw at once, usually the one being scrolled. The other views are redrawn on the
                next pass of the event loop, so they do not slow down fast scrolling in this one.
        """
        if self.volume is None:
            return
        cursor_mm = self.cursor * np.asarray(self.volume.spacing)
        world = self.volume.index_to_world(self.cursor.astype(float))
        shape = self.volume.shape_xyz
        for view in self.views.values():
            axis = view.geometry_.axis
            render_now = first is None or view.plane == first
            view.show_state(
                cursor_mm,
                int(self.cursor[axis]),
                shape[axis],
                float(world[axis]),
                self.level,
                self.window,
                render_now,
            )
            if not render_now:
                self._pending_renders.add(view.plane)
        if self._pending_renders and not self._render_timer.isActive():
            self._render_timer.start()

    def _render_pending(self) -> None:
        for plane in sorted(self._pending_renders):
            self.views[plane].render()
        self._pending_renders.clear()

    def set_cursor(self, i: int, j: int, k: int, first: str | None = None) -> None:
        """Move the crosshair to voxel ``(i, j, k)``, clamped to the volume, and redraw (``first`` as in refresh)."""
        if self.volume is None:
            return
        upper = np.array(self.volume.shape_xyz) - 1
        self.cursor = np.clip(np.array([i, j, k], dtype=int), 0, upper)
        self.refresh(first)
        self.cursorChanged.emit(*(int(c) for c in self.cursor))

    def scroll(self, plane: str, delta: int) -> None:
        """Move ``plane``'s slice by ``delta`` slices (positive towards left, posterior or superior)."""
        if not self._scrolling:
            self._scrolling = True
            for view in self.views.values():
                view.set_smooth_interpolation(False)
        self._settle_timer.start()
        cursor = self.cursor.copy()
        cursor[PLANES[plane].axis] += delta
        self.set_cursor(*cursor, first=plane)

    def _end_scrolling(self) -> None:
        self._scrolling = False
        for view in self.views.values():
            view.set_smooth_interpolation(True)
            view.render()

    def slice_index(self, plane: str) -> int:
        """Return the index of the slice ``plane`` shows."""
        return int(self.cursor[PLANES[plane].axis])

    def _on_point_picked(self, x: float, y: float, z: float) -> None:
        if self.volume is None:
            return
        picked = np.rint(np.array([x, y, z]) / np.asarray(self.volume.spacing)).astype(int)
        sender = self.sender()
        if isinstance(sender, SliceView):
            # The depth of a click is the clicked view's own slice, not whatever the picker returns.
            picked[sender.geometry_.axis] = self.cursor[sender.geometry_.axis]
        self.set_cursor(*picked)

    # ----- window/level -----

    def set_window_level(self, level: float, window: float) -> None:
        """Set the display window (centre ``level`` and width ``window``, image units) of all views."""
        self.level = float(level)
        self.window = max(float(window), 1e-3)
        self.refresh()
        self.windowLevelChanged.emit(self.level, self.window)

    def apply_preset(self, key: str) -> None:
        """Apply a preset by key (``lung``, ``mediastinum``, ``bone``, ``abdomen``, ``brain`` or ``auto``)."""
        self._show_preset(key)
        if key == "auto":
            if self.volume is not None:
                self.set_window_level(*automatic_window(self.volume.array))
            return
        for preset in CT_PRESETS:
            if preset.key == key:
                self.set_window_level(preset.level, preset.window)
                return
        raise ValueError(
            f"unknown window preset {key!r}; expected one of lung, mediastinum, bone, abdomen, brain, auto"
        )

    def _show_preset(self, key: str) -> None:
        index = self.preset_box.findData(key)
        if index >= 0:
            self.preset_box.setCurrentIndex(index)

    def _on_preset_chosen(self, index: int) -> None:
        self.apply_preset(self.preset_box.itemData(index))

    def _on_window_level_drag(self, dx: float, dy: float) -> None:
        step = self._value_range * _DRAG_FRACTION_PER_PX
        # Right widens the window; up raises the level (Qt's y grows downwards).
        self.set_window_level(self.level - dy * step, self.window + dx * step)

    def reset_view(self) -> None:
        """Centre and fit all views, centre the crosshair and restore the default window."""
        if self.volume is None:
            return
        for view in self.views.values():
            view.reset_camera()
        self.level, self.window = default_window(self.volume.array, self.volume.modality)
        self.set_cursor(*(n // 2 for n in self.volume.shape_xyz))
        self.windowLevelChanged.emit(self.level, self.window)

    # ----- heat map -----

    def set_heatmap(
        self, heatmap: np.ndarray, title: str, jump_to_max: bool = True, display_name: str | None = None
    ) -> bool:
        """Overlay a heat map on all three views.

        Args:
            heatmap: activation on the volume's grid, shape ``(z, y, x)``; scaled here to [0, 1].
            title: ASCII name of the map (the finding id), which export captions use.
            jump_to_max: move the crosshair to the peak activation nearest to it, that is the voxel at or
                above ``HOT_FRACTION`` of the maximum that is nearest (not for a flat map, which has no maximum).
            display_name: name shown above the views in the UI language; defaults to ``title``.

        Returns:
            False when the map is flat (all voxels equal, e.g. all 0 for a finding without evidence).
        """
        if self.volume is None:
            raise RuntimeError("open a series before showing a heat map")
        heatmap = np.asarray(heatmap, dtype=np.float32)
        if heatmap.shape != self.volume.array.shape:
            raise ValueError(
                f"heat map shape {heatmap.shape} differs from the series shape {self.volume.array.shape}; "
                "the predictor must return it on the source volume's (z, y, x) grid"
            )
        low, high = float(heatmap.min()), float(heatmap.max())
        scaled = (heatmap - low) / (high - low) if high > low else np.zeros_like(heatmap)
        self.heatmap = scaled
        self.heatmap_title = title
        image = image_data_from_array(scaled, self.volume.spacing)
        opacity = self.opacity_slider.value() / 100.0
        for view in self.views.values():
            view.set_overlay(image, opacity)
        self._set_overlay_controls_enabled(True)
        self.heatmap_label.setText(display_name or title)
        has_activation = high > low
        if jump_to_max and has_activation:
            self.set_cursor(*self._hot_voxel_near_cursor(scaled))
        else:
            self.refresh()
        return has_activation

    def _hot_voxel_near_cursor(self, scaled: np.ndarray) -> tuple[int, int, int]:
        """Return the (i, j, k) voxel within ``HOT_FRACTION`` of the maximum that is nearest the crosshair.

        A coarse map often has a broad plateau whose single maximum sits on an edge slice. Picking the
        plateau voxel nearest the crosshair (the series centre after loading) keeps the views on slices
        through the body. A focal map has a small plateau, so the crosshair still moves to its peak.
        """
        k, j, i = np.nonzero(scaled >= HOT_FRACTION * float(scaled.max()))
        hot = np.stack([i, j, k], axis=1)
        distance_mm = np.linalg.norm((hot - self.cursor) * np.asarray(self.volume.spacing), axis=1)
        nearest = hot[int(np.argmin(distance_mm))]
        return int(nearest[0]), int(nearest[1]), int(nearest[2])

    def clear_heatmap(self) -> None:
        """Remove the heat map from all views."""
        self.heatmap = None
        self.heatmap_title = ""
        for view in self.views.values():
            view.clear_overlay()
        self._set_overlay_controls_enabled(False)
        self.heatmap_label.clear()
        self.refresh()

    def _on_opacity_changed(self, value: int) -> None:
        for view in self.views.values():
            view.set_overlay_opacity(value / 100.0)
            view.render()

    def _set_overlay_controls_enabled(self, enabled: bool) -> None:
        self.opacity_slider.setEnabled(enabled)
        self.opacity_label.setEnabled(enabled)

    # ----- output -----

    def capture(self, plane: str) -> np.ndarray:
        """Return the pixels VTK rendered for ``plane``, uint8 RGB ``(height, width, 3)``."""
        return self.views[plane].capture()

    def finalize(self) -> None:
        """Release the views' OpenGL contexts; call before the window closes."""
        for view in self.views.values():
            view.finalize()
