"""One-page A4 PDF report: study facts, model, findings table and key images with the heat map."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from app.predictions.results import FindingResult
from greenrfm_core.atomic import atomic_path

RESOLUTION_DPI = 150
# Latin fonts first: with Noto Sans CJK as the first family, Qt 6.12 writes digits that PDF text extraction
# (and so copy and paste) loses. Qt falls back along the list for Chinese characters.
REPORT_FONT_FAMILIES = [
    "DejaVu Sans",
    "Segoe UI",
    "Helvetica Neue",
    "Noto Sans CJK SC",
    "Microsoft YaHei",
    "PingFang SC",
]


def _font(size_pt: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(REPORT_FONT_FAMILIES)
    font.setPointSizeF(size_pt)
    font.setBold(bold)
    return font


@dataclass
class ReportContent:
    """Everything the report shows.

    Attributes:
        title: report heading.
        study_lines: study facts as (label, value), already free of identifiers unless the user asked for them.
        model_lines: model facts as (label, value).
        results: findings, highest probability first.
        images: key images as (caption, RGB image).
        notice: the "not for clinical use" text printed in red.
    """

    title: str
    study_lines: Sequence[tuple[str, str]]
    model_lines: Sequence[tuple[str, str]]
    results: Sequence[FindingResult]
    images: Sequence[tuple[str, QImage]]
    notice: str


def write_pdf_report(path: str | Path, content: ReportContent) -> Path:
    """Render ``content`` on one A4 page and write it atomically to ``path``.

    Raises:
        OSError: the PDF could not be written.
    """
    path = Path(path)
    with atomic_path(path, suffix=".pdf") as temporary:
        writer = QPdfWriter(str(temporary))
        writer.setResolution(RESOLUTION_DPI)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(12, 12, 12, 12),
            )
        )
        writer.setTitle(content.title)
        writer.setCreator("GreenRFM Studio")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot start writing the PDF {path}; check that the folder is writable")
        try:
            _paint(painter, writer, content)
        finally:
            painter.end()
        if temporary.stat().st_size == 0:
            raise OSError(f"Qt wrote an empty PDF for {path}")
    return path


def _paint(painter: QPainter, writer: QPdfWriter, content: ReportContent) -> None:
    page = QRectF(writer.pageLayout().paintRectPixels(writer.resolution()))
    width = page.width()
    points = RESOLUTION_DPI / 72.0
    y = 0.0

    def text_block(text: str, size: float, bold: bool = False, colour: QColor | None = None) -> None:
        nonlocal y
        painter.setFont(_font(size, bold))
        painter.setPen(colour or QColor(20, 20, 20))
        rect = QRectF(0, y, width, page.height() - y)
        bounds = painter.boundingRect(rect, int(Qt.TextFlag.TextWordWrap), text)
        painter.drawText(rect, int(Qt.TextFlag.TextWordWrap), text)
        y += bounds.height() + 4 * points

    text_block(content.title, 16, bold=True)
    text_block(content.notice, 9, bold=True, colour=QColor(180, 20, 20))
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    text_block(
        QCoreApplication.translate("PdfReport", "Generated {time} by GreenRFM Studio").format(time=generated),
        8,
        colour=QColor(90, 90, 90),
    )
    for heading, lines in (
        (QCoreApplication.translate("PdfReport", "Study"), content.study_lines),
        (QCoreApplication.translate("PdfReport", "Model"), content.model_lines),
    ):
        text_block(heading, 11, bold=True)
        text_block("\n".join(f"{label}: {value}" for label, value in lines) or "-", 9)

    text_block(QCoreApplication.translate("PdfReport", "Findings"), 11, bold=True)
    y = _paint_table(painter, content.results, y, width, points)

    if content.images:
        y += 6 * points
        text_block(QCoreApplication.translate("PdfReport", "Key images"), 11, bold=True)
        gap = 6 * points
        cell_width = (width - gap * (len(content.images) - 1)) / len(content.images)
        cell_height = min(cell_width, page.height() - y - 16 * points)
        for index, (caption, image) in enumerate(content.images):
            target = QRectF(index * (cell_width + gap), y, cell_width, max(cell_height, 10.0))
            scaled = image.scaled(
                int(target.width()),
                int(target.height()),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawImage(QRectF(target.x(), target.y(), scaled.width(), scaled.height()), scaled)
            painter.setFont(_font(8))
            painter.setPen(QColor(60, 60, 60))
            painter.drawText(
                QRectF(target.x(), target.y() + scaled.height() + 2, cell_width, 14 * points), caption
            )


def _paint_table(
    painter: QPainter, results: Sequence[FindingResult], y: float, width: float, points: float
) -> float:
    headers = (
        QCoreApplication.translate("PdfReport", "Finding"),
        QCoreApplication.translate("PdfReport", "Probability"),
        QCoreApplication.translate("PdfReport", "Threshold"),
        QCoreApplication.translate("PdfReport", "Result"),
    )
    columns = (0.0, 0.55, 0.7, 0.85)
    row_height = 11 * points
    font = _font(8)
    for row_index in range(len(results) + 1):
        top = y + row_index * row_height
        if row_index == 0:
            font.setBold(True)
            painter.fillRect(QRectF(0, top, width, row_height), QColor(225, 230, 235))
            cells: Sequence[str] = headers
        else:
            row = results[row_index - 1]
            font.setBold(row.positive)
            if row.positive:
                painter.fillRect(QRectF(0, top, width, row_height), QColor(252, 226, 205))
            cells = (
                row.name,
                f"{row.probability:.3f}",
                f"{row.threshold:.3f}",
                QCoreApplication.translate("PdfReport", "positive")
                if row.positive
                else QCoreApplication.translate("PdfReport", "negative"),
            )
        painter.setFont(font)
        painter.setPen(QColor(20, 20, 20))
        for column, text in zip(columns, cells):
            painter.drawText(
                QRectF(column * width + 3, top, width * 0.3 if column else width * 0.54, row_height),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                text,
            )
        painter.setPen(QPen(QColor(200, 200, 200), 1))
        painter.drawLine(0, int(top + row_height), int(width), int(top + row_height))
    return y + (len(results) + 1) * row_height


def study_lines(study: Mapping[str, str], include_identifiers: bool) -> list[tuple[str, str]]:
    """Select the study facts for the report; patient name and ID only when ``include_identifiers``."""
    labels = {
        "description": QCoreApplication.translate("PdfReport", "Study description"),
        "study_date": QCoreApplication.translate("PdfReport", "Study date"),
        "modality": QCoreApplication.translate("PdfReport", "Modality"),
        "series_description": QCoreApplication.translate("PdfReport", "Series"),
        "slices": QCoreApplication.translate("PdfReport", "Slices"),
        "spacing": QCoreApplication.translate("PdfReport", "Voxel spacing (mm)"),
    }
    lines = [(label, str(study[key])) for key, label in labels.items() if study.get(key)]
    if include_identifiers:
        identifiers = [
            (QCoreApplication.translate("PdfReport", "Patient name"), study.get("patient_name")),
            (QCoreApplication.translate("PdfReport", "Patient ID"), study.get("patient_id")),
        ]
        lines = [(label, str(value)) for label, value in identifiers if value] + lines
    return lines
