"""Horizontal bar chart of finding probabilities with each model threshold marked (pyqtgraph)."""

from __future__ import annotations

import os

# pyqtgraph picks its Qt binding at import time; make it the one the app uses.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.finding_axis import FindingAxisLabels
from app.predictions.results import FindingResult

POSITIVE_COLOUR = QColor(230, 110, 40)
NEGATIVE_COLOUR = QColor(70, 130, 180)


class FindingsChart(pg.PlotWidget):
    """One bar per finding (highest probability at the top) and a white tick at the finding's threshold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="#15181b")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setXRange(0.0, 1.0, padding=0.02)
        self.getPlotItem().showGrid(x=True, y=False, alpha=0.25)
        self.setLabel("bottom", self.tr("Probability"))
        self.setMinimumHeight(180)
        self.bars: pg.BarGraphItem | None = None
        self.threshold_marks: pg.ScatterPlotItem | None = None
        self.finding_labels = FindingAxisLabels(self)

    def set_results(self, results: list[FindingResult]) -> None:
        """Draw ``results`` (already sorted, highest probability first)."""
        self.clear()
        count = len(results)
        positions = [count - 1 - index for index in range(count)]
        brushes = [pg.mkBrush(POSITIVE_COLOUR if row.positive else NEGATIVE_COLOUR) for row in results]
        self.bars = pg.BarGraphItem(
            x0=[0.0] * count,
            y=positions,
            height=0.7,
            width=[row.probability for row in results],
            brushes=brushes,
            pen=pg.mkPen(None),
        )
        self.addItem(self.bars)

        self.threshold_marks = pg.ScatterPlotItem(
            x=[row.threshold for row in results],
            y=positions,
            symbol="|",
            size=16,
            pen=pg.mkPen("w", width=2),
            brush=pg.mkBrush("w"),
        )
        self.addItem(self.threshold_marks)

        rows_height = self.finding_labels.set_names(positions, [row.name for row in results])
        self.setMinimumHeight(max(180, rows_height + 50))
        self.setYRange(-0.6, max(count - 0.4, 0.6), padding=0.0)
        self.setXRange(0.0, 1.0, padding=0.02)
