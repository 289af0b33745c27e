"""Finding names on the left axis of a horizontal bar chart (pyqtgraph), readable in English and Chinese."""

from __future__ import annotations

import os

# pyqtgraph picks its Qt binding at import time; make it the one the app uses.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics

# Widest label column in pixels. Longer names are elided and shown whole in the tooltip. With Debian's
# DejaVu Sans at 8 pt the widest built-in English name takes 186 px and the widest Chinese name 99 px.
MAX_LABEL_WIDTH = 190
# Gap between two label lines, in pixels.
LABEL_SPACING = 4


class FindingAxisLabels:
    """One finding name per bar on ``plot_widget``'s left axis, with the full name as a tooltip.

    Args:
        plot_widget: the chart. Bar ``i`` of ``set_names`` sits at y = ``positions[i]`` in view units.
        point_size: font size of the labels in points.
    """

    def __init__(self, plot_widget: pg.PlotWidget, point_size: int = 8) -> None:
        self.plot_widget = plot_widget
        self.font = QFont()
        self.font.setPointSize(point_size)
        self.full_names: dict[int, str] = {}
        self.labels: list[str] = []
        plot_widget.scene().sigMouseMoved.connect(self.show_tooltip)

    def set_names(self, positions: list[int], names: list[str]) -> int:
        """Put ``names`` on the axis at the y ``positions`` and size the label column.

        Returns:
            Pixels of plot height the rows need so that no two labels overlap. pyqtgraph draws every tick
            label it is given, so a shorter plot draws them on top of each other.
        """
        metrics = QFontMetrics(self.font)
        self.full_names = dict(zip(positions, names))
        self.labels = [
            metrics.elidedText(name, Qt.TextElideMode.ElideRight, MAX_LABEL_WIDTH) for name in names
        ]
        axis = self.plot_widget.getAxis("left")
        axis.setTicks([list(zip(positions, self.labels))])
        axis.setStyle(tickFont=self.font, autoExpandTextSpace=False)
        label_width = max([metrics.horizontalAdvance(label) for label in self.labels] + [40])
        axis.setWidth(label_width + 12)

        # Chinese glyphs come from a fallback font whose line can be taller than the default font's line.
        line_height = max(
            [metrics.height()] + [metrics.boundingRect(label).height() for label in self.labels]
        )
        return len(names) * (line_height + LABEL_SPACING)

    def show_tooltip(self, scene_position: QPointF) -> None:
        """Show the full name of the finding whose bar row is under the mouse, or no tooltip elsewhere."""
        view_position = self.plot_widget.getPlotItem().vb.mapSceneToView(scene_position)
        self.plot_widget.setToolTip(self.full_names.get(round(view_position.y()), ""))
