"""Help > About: version and the "not for clinical use" note."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def show_about(parent: QWidget) -> None:
    """Show the About box (modal; opened only from the Help menu)."""
    from greenrfm_core import __version__

    QMessageBox.about(
        parent,
        QCoreApplication.translate("MainWindow", "About GreenRFM Studio"),
        QCoreApplication.translate(
            "MainWindow",
            "<h3>GreenRFM Studio {version}</h3>"
            "<p>Train and run compact radiology foundation models (GreenRFM) on local CT and MRI studies.</p>"
            "<p><b>Not for clinical use.</b> Research software: predictions and heat maps must not be used "
            "for diagnosis or treatment decisions.</p>",
        ).format(version=__version__),
    )
