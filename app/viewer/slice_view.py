"""One orthogonal slice view: a VTK image slice inside a Qt widget, with its own mouse and key handling."""

from __future__ import annotations

import numpy as np

# Importing these two modules registers the FreeType text and OpenGL back ends behind VTK's render classes.
import vtkmodules.vtkRenderingFreeType
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFontInfo, QKeyEvent, QMouseEvent, QWheelEvent
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersSources import vtkLineSource
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleUser
from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkImageSlice,
    vtkImageSliceMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkTextActor,
)
from vtkmodules.vtkRenderingImage import vtkImageStack

from app.viewer.planes import PLANES
from app.viewer.vtk_image import capture_render_window, heatmap_lookup_table

# A mouse press that moves less than this many pixels before release is a click (sets the crosshair).
CLICK_TOLERANCE_PX = 3


class SliceView(QVTKRenderWindowInteractor):
    """A VTK view of one plane of a volume; the owning viewer keeps the views linked.

    Mouse: wheel scrolls slices (Ctrl+wheel zooms), left drag changes window/level, a left click moves the
    crosshair, right drag zooms, middle drag or Shift+left drag pans. Keys: Up/Down move one slice,
    PageUp/PageDown ten slices, R resets the view.
    """

    scrollRequested = Signal(int)
    pointPicked = Signal(float, float, float)
    windowLevelDragged = Signal(float, float)
    resetRequested = Signal()

    def __init__(self, plane: str, parent=None) -> None:
        super().__init__(parent)
        self.plane = plane
        self.geometry_ = PLANES[plane]
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(160, 160)

        self._renderer = vtkRenderer()
        self._renderer.SetBackground(0.0, 0.0, 0.0)
        # The render window starts with 4x multisampling (VTK 9.7). The lines here are axis-aligned and gain
        # nothing from it, and under Mesa's software renderer it made a 719 x 754 redraw about 3 times slower.
        self.GetRenderWindow().SetMultiSamples(0)
        self.GetRenderWindow().AddRenderer(self._renderer)
        # The widget handles every Qt event itself; a do-nothing style keeps VTK from acting on them too.
        self.GetRenderWindow().GetInteractor().SetInteractorStyle(vtkInteractorStyleUser())
        self._renderer.GetActiveCamera().ParallelProjectionOn()

        self._stack = vtkImageStack()
        self._base_mapper = vtkImageSliceMapper()
        self._base_mapper.SetOrientation(self.geometry_.axis)
        self._base_slice = vtkImageSlice()
        self._base_slice.SetMapper(self._base_mapper)
        self._base_slice.GetProperty().SetInterpolationTypeToLinear()
        self._base_slice.GetProperty().SetLayerNumber(0)
        self._stack.AddImage(self._base_slice)
        self._stack.SetActiveLayer(0)

        self._overlay_mapper = vtkImageSliceMapper()
        self._overlay_mapper.SetOrientation(self.geometry_.axis)
        self._overlay_slice = vtkImageSlice()
        self._overlay_slice.SetMapper(self._overlay_mapper)
        self._lookup_table = heatmap_lookup_table()
        overlay_property = self._overlay_slice.GetProperty()
        overlay_property.SetLookupTable(self._lookup_table)
        overlay_property.UseLookupTableScalarRangeOn()
        overlay_property.SetInterpolationTypeToLinear()
        overlay_property.SetLayerNumber(1)
        self._overlay_visible = False

        self._crosshair = [self._make_line_actor() for _ in range(2)]
        self._letters = self._make_orientation_letters()
        # Fixed-size text actors: vtkCornerAnnotation rescales its font on every render, which costs about
        # 10 ms per frame with Mesa's software renderer.
        self._corner_text = {
            corner: self._make_text_actor(x, y, justify, vertical_justify, 13, (0.9, 0.9, 0.75))
            for corner, (x, y, justify, vertical_justify) in {
                "slice": (0.01, 0.99, 0, 2),
                "position": (0.01, 0.01, 0, 0),
                "window": (0.99, 0.01, 2, 0),
            }.items()
        }
        self._scalar_bar: vtkScalarBarActor | None = None

        self._image: vtkImageData | None = None
        self._press_pos: QPointF | None = None
        self._last_pos: QPointF | None = None
        self._press_button = Qt.MouseButton.NoButton
        self._dragged = False
        self._finalized = False

    # ----- scene set-up -----

    def _make_line_actor(self) -> tuple[vtkLineSource, vtkActor]:
        source = vtkLineSource()
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(source.GetOutputPort())
        actor = vtkActor()
        actor.SetMapper(mapper)
        # Opaque, because one translucent actor adds VTK's translucent pass to every redraw (about 6 ms per
        # 719 x 754 view under Mesa's software renderer). The darker green replaces the former 60 % opacity.
        actor.GetProperty().SetColor(0.15, 0.65, 0.25)
        actor.GetProperty().SetLineWidth(1.0)
        actor.VisibilityOff()
        self._renderer.AddActor(actor)
        return source, actor

    def _make_text_actor(
        self, x: float, y: float, justify: int, vertical_justify: int, size: int, color: tuple
    ) -> vtkTextActor:
        """Add a text actor anchored at normalised viewport position (x, y); justification 0/1/2 = left/centre/right."""
        actor = vtkTextActor()
        text = actor.GetTextProperty()
        text.SetFontSize(size)
        text.SetColor(*color)
        text.SetJustification(justify)
        text.SetVerticalJustification(vertical_justify)
        actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
        actor.SetPosition(x, y)
        self._renderer.AddViewProp(actor)
        return actor

    def _make_orientation_letters(self) -> list[vtkTextActor]:
        anchors = ((0.01, 0.5, 0, 1), (0.99, 0.5, 2, 1), (0.5, 0.98, 1, 2), (0.5, 0.02, 1, 0))
        actors = []
        for letter, (x, y, justify, vertical_justify) in zip(self.geometry_.letters, anchors):
            actor = self._make_text_actor(x, y, justify, vertical_justify, 16, (1.0, 0.85, 0.2))
            actor.GetTextProperty().BoldOn()
            actor.SetInput(letter)
            actor.VisibilityOff()
            actors.append(actor)
        return actors

    def set_image(self, image: vtkImageData) -> None:
        """Show ``image`` (built once per series); later calls only change the slice index."""
        self._image = image
        self._base_mapper.SetInputData(image)
        if self._stack not in self._props():
            self._renderer.AddViewProp(self._stack)
        for actor in self._letters:
            actor.VisibilityOn()
        for _, actor in self._crosshair:
            actor.VisibilityOn()
        self.clear_overlay()
        self.reset_camera()

    def _props(self) -> list:
        props = self._renderer.GetViewProps()
        props.InitTraversal()
        return [props.GetNextProp() for _ in range(props.GetNumberOfItems())]

    def set_overlay(self, image: vtkImageData, opacity: float) -> None:
        """Blend a heat map in [0, 1] on the same grid as the image over the slice, with a colour bar.

        The colour bar has no title, because a finding name does not fit beside it in a narrow view. The
        viewer shows the name above the views instead.
        """
        self._overlay_mapper.SetInputData(image)
        self._overlay_mapper.SetSliceNumber(self._base_mapper.GetSliceNumber())
        self._overlay_slice.GetProperty().SetOpacity(opacity)
        if not self._overlay_visible:
            self._stack.AddImage(self._overlay_slice)
            self._overlay_visible = True
        if self._scalar_bar is None:
            self._scalar_bar = self._make_scalar_bar()
            self._renderer.AddViewProp(self._scalar_bar)
        self._scalar_bar.VisibilityOn()

    def _make_scalar_bar(self) -> vtkScalarBarActor:
        """Create the heat map's colour bar with labels in the widget's font size."""
        bar = vtkScalarBarActor()
        bar.SetLookupTable(self._lookup_table)
        bar.SetNumberOfLabels(3)
        bar.SetLabelFormat("%.1f")
        bar.SetWidth(0.12)
        bar.SetHeight(0.4)
        bar.SetPosition(0.86, 0.08)
        bar.SetMaximumWidthInPixels(70)
        bar.SetBarRatio(0.35)
        bar.UseOpacityOff()
        # Labels left of the bar stay inside the view, which ends just right of the bar.
        bar.SetTextPositionToPrecedeScalarBar()
        # Without this VTK scales the text to the bar, which left 5-pixel labels in a 400-pixel view.
        bar.UnconstrainedFontSizeOn()
        labels = bar.GetLabelTextProperty()
        labels.SetFontSize(QFontInfo(self.font()).pixelSize())
        labels.SetColor(0.9, 0.9, 0.75)
        labels.ShadowOn()
        labels.BoldOff()
        labels.ItalicOff()
        return bar

    def set_smooth_interpolation(self, smooth: bool) -> None:
        """Draw the image with linear interpolation, or with nearest neighbour (cheaper) when ``smooth`` is False."""
        image_property = self._base_slice.GetProperty()
        if smooth:
            image_property.SetInterpolationTypeToLinear()
        else:
            image_property.SetInterpolationTypeToNearest()

    def set_overlay_opacity(self, opacity: float) -> None:
        """Set the heat map's opacity, 0 (hidden) to 1."""
        self._overlay_slice.GetProperty().SetOpacity(opacity)

    def clear_overlay(self) -> None:
        """Remove the heat map and its colour bar."""
        if self._overlay_visible:
            self._stack.RemoveImage(self._overlay_slice)
            self._overlay_visible = False
        if self._scalar_bar is not None:
            self._scalar_bar.VisibilityOff()

    # ----- state from the viewer -----

    def show_state(
        self,
        cursor_mm: np.ndarray,
        slice_index: int,
        slice_count: int,
        position_mm: float,
        level: float,
        window: float,
        render: bool = True,
    ) -> None:
        """Move to ``slice_index`` and redraw crosshair and annotations.

        Args:
            cursor_mm: crosshair position in image-data world coordinates (x, y, z) mm.
            slice_index: index along this view's axis.
            slice_count: number of slices along this view's axis.
            position_mm: patient (LPS) coordinate of the slice along this view's axis, in mm.
            level: window centre in image units.
            window: window width in image units.
            render: redraw now; pass False when the caller schedules the redraw itself.
        """
        if self._image is None or self._finalized:
            return
        self._base_mapper.SetSliceNumber(slice_index)
        if self._overlay_visible:
            self._overlay_mapper.SetSliceNumber(slice_index)
        image_property = self._base_slice.GetProperty()
        image_property.SetColorLevel(level)
        image_property.SetColorWindow(window)
        self._place_crosshair(cursor_mm)
        axis_name = "xyz"[self.geometry_.axis]
        self._corner_text["slice"].SetInput(f"{slice_index + 1} / {slice_count}")
        self._corner_text["position"].SetInput(f"{axis_name} = {position_mm:.1f} mm")
        self._corner_text["window"].SetInput(f"W {window:.0f}  L {level:.0f}")
        self._renderer.ResetCameraClippingRange()
        if render:
            self.GetRenderWindow().Render()

    def _place_crosshair(self, cursor_mm: np.ndarray) -> None:
        geometry = self.geometry_
        bounds = self._image.GetBounds()
        spacing = self._image.GetSpacing()
        # Half a voxel towards the camera keeps the lines in front of the image plane.
        depth = cursor_mm[geometry.axis] - geometry.projection[geometry.axis] * 0.5 * spacing[geometry.axis]
        for (source, _), along in zip(self._crosshair, (geometry.horizontal, geometry.vertical)):
            start = np.array(cursor_mm, dtype=float)
            end = np.array(cursor_mm, dtype=float)
            start[geometry.axis] = end[geometry.axis] = depth
            start[along] = bounds[2 * along]
            end[along] = bounds[2 * along + 1]
            source.SetPoint1(*start)
            source.SetPoint2(*end)

    def reset_camera(self) -> None:
        """Centre the slice and fit it to the view, keeping square pixels in mm (true aspect ratio)."""
        if self._image is None:
            return
        geometry = self.geometry_
        bounds = self._image.GetBounds()
        spacing = self._image.GetSpacing()
        centre = np.array([(bounds[2 * a] + bounds[2 * a + 1]) / 2.0 for a in range(3)])
        extents = [bounds[2 * a + 1] - bounds[2 * a] + spacing[a] for a in range(3)]
        camera = self._renderer.GetActiveCamera()
        distance = 2.0 * max(extents) + 100.0
        camera.SetFocalPoint(*centre)
        camera.SetPosition(*(centre - np.array(geometry.projection) * distance))
        camera.SetViewUp(*geometry.view_up)
        width, height = self.GetRenderWindow().GetSize()
        aspect = width / height if width > 0 and height > 0 else 1.0
        half_height = extents[geometry.vertical] / 2.0
        half_width = extents[geometry.horizontal] / 2.0
        camera.SetParallelScale(1.04 * max(half_height, half_width / aspect))
        self._renderer.ResetCameraClippingRange()

    def render(self) -> None:
        """Redraw the view now (no-op after :meth:`finalize`)."""
        if not self._finalized:
            self.GetRenderWindow().Render()

    def capture(self) -> np.ndarray:
        """Return the rendered pixels, uint8 RGB of shape ``(height, width, 3)``, row 0 at the top."""
        if self._finalized:
            raise RuntimeError(f"the {self.plane} view was finalized; capture before closing the window")
        return capture_render_window(self.GetRenderWindow())

    def display_to_world(self, position: QPointF) -> np.ndarray:
        """Map a widget position (logical pixels, origin top-left) to image-data world coordinates in mm."""
        ratio = self.devicePixelRatioF()
        _, height = self.GetRenderWindow().GetSize()
        self._renderer.SetDisplayPoint(position.x() * ratio, height - 1 - position.y() * ratio, 0.0)
        self._renderer.DisplayToWorld()
        x, y, z, w = self._renderer.GetWorldPoint()
        return np.array([x, y, z]) / (w if w else 1.0)

    def world_to_display(self, point_mm: np.ndarray) -> tuple[float, float]:
        """Map image-data world coordinates in mm to a widget position (logical pixels, origin top-left)."""
        ratio = self.devicePixelRatioF()
        _, height = self.GetRenderWindow().GetSize()
        self._renderer.SetWorldPoint(float(point_mm[0]), float(point_mm[1]), float(point_mm[2]), 1.0)
        self._renderer.WorldToDisplay()
        x, y, _ = self._renderer.GetDisplayPoint()
        return x / ratio, (height - 1 - y) / ratio

    # ----- zoom and pan (local to this view) -----

    def zoom(self, factor: float) -> None:
        """Magnify by ``factor`` (> 1 zooms in)."""
        camera = self._renderer.GetActiveCamera()
        camera.SetParallelScale(camera.GetParallelScale() / factor)
        self.render()

    def pan(self, start: QPointF, end: QPointF) -> None:
        """Move the image so that the point under ``start`` ends under ``end`` (widget positions)."""
        delta = self.display_to_world(start) - self.display_to_world(end)
        camera = self._renderer.GetActiveCamera()
        camera.SetFocalPoint(*(np.array(camera.GetFocalPoint()) + delta))
        camera.SetPosition(*(np.array(camera.GetPosition()) + delta))
        self.render()

    # ----- Qt events -----

    def paintEvent(self, event) -> None:
        # Rendering into a finalized window dereferences a released OpenGL context and crashes.
        if not self._finalized:
            super().paintEvent(event)

    def resizeEvent(self, event) -> None:
        if self._finalized:
            return
        super().resizeEvent(event)
        self.reset_camera()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.1**steps)
        else:
            self.scrollRequested.emit(1 if steps > 0 else -1)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        self._press_pos = event.position()
        self._last_pos = event.position()
        self._press_button = event.button()
        self._dragged = False
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press_pos is None or self._last_pos is None:
            return
        position = event.position()
        travel = position - self._press_pos
        if abs(travel.x()) + abs(travel.y()) > CLICK_TOLERANCE_PX:
            self._dragged = True
        if not self._dragged:
            return
        delta = position - self._last_pos
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self._press_button == Qt.MouseButton.MiddleButton or (
            self._press_button == Qt.MouseButton.LeftButton and shift
        ):
            self.pan(self._last_pos, position)
        elif self._press_button == Qt.MouseButton.LeftButton:
            self.windowLevelDragged.emit(delta.x(), delta.y())
        elif self._press_button == Qt.MouseButton.RightButton:
            self.zoom(1.01 ** (-delta.y()))
        self._last_pos = position
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press_button == Qt.MouseButton.LeftButton and not self._dragged and self._image is not None:
            x, y, z = self.display_to_world(event.position())
            self.pointPicked.emit(float(x), float(y), float(z))
        self._press_pos = None
        self._last_pos = None
        self._press_button = Qt.MouseButton.NoButton
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Up: 1,
            Qt.Key.Key_Down: -1,
            Qt.Key.Key_PageUp: 10,
            Qt.Key.Key_PageDown: -10,
        }
        if event.key() in steps:
            self.scrollRequested.emit(steps[event.key()])
        elif event.key() == Qt.Key.Key_R:
            self.resetRequested.emit()
        else:
            event.ignore()
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        event.ignore()

    def enterEvent(self, event) -> None:
        event.accept()

    def leaveEvent(self, event) -> None:
        event.accept()

    def finalize(self) -> None:
        """Release the OpenGL context before the widget is destroyed; the view draws nothing afterwards."""
        if not self._finalized:
            self._finalized = True
            self.GetRenderWindow().Finalize()
