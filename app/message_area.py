"""A non-modal message strip at the top of the main window for errors, warnings and notes."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

log = logging.getLogger(__name__)

_STYLES = {
    "info": "background: #1f3b57; color: #e8f0f8;",
    "warning": "background: #5a4a14; color: #fff4d0;",
    "error": "background: #6b1f1f; color: #ffe4e4;",
}


class MessageArea(QFrame):
    """Shows the latest message with its level; the user closes it or the next message replaces it.

    The text is the translated message shown to the user. Log it separately in English without patient data.
    """

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageArea")
        self.level = ""
        self.history: list[tuple[str, str]] = []
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close_button = QToolButton(self)
        close_button.setText("\u2715")
        close_button.setToolTip(self.tr("Close this message"))
        close_button.setAutoRaise(True)
        close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        """Display ``text`` at ``level`` (``info``, ``warning`` or ``error``)."""
        self.level = level
        self.history.append((level, text))
        self._label.setText(text)
        self.setStyleSheet(
            f"#messageArea {{ {_STYLES.get(level, _STYLES['info'])} }} QLabel {{ color: inherit; }}"
        )
        self.show()

    def text(self) -> str:
        """Return the message shown now, or an empty string when the strip is hidden."""
        return self._label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        """Hide the strip."""
        self.hide()
        self.closed.emit()
