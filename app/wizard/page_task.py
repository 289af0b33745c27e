"""Wizard page 1: choose a clinical task or define a custom finding list."""

from __future__ import annotations

import logging
import re
import time

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard import services
from app.wizard.services import BUILTIN_TASKS
from app.wizard.state import WizardState
from greenrfm_core import paths
from greenrfm_core.schemas import load_schema, parse_schema

logger = logging.getLogger(__name__)

_FINDING_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CUSTOM = "custom"


class TaskPage(QWizardPage):
    """Task choice; a custom task gets an editable table of finding names and synonyms."""

    def __init__(self, state: WizardState, parent=None):
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("Task"))
        self.setSubTitle(self.tr("Choose what the model should find, or list your own findings."))
        labels = {
            "chest-ct": self.tr("Chest CT"),
            "abdomen-ct": self.tr("Abdominal CT"),
            "knee-mri": self.tr("Knee MRI"),
            "spine-mri": self.tr("Spine MRI"),
            CUSTOM: self.tr("Custom finding list"),
        }
        self.buttons = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        for task, text in labels.items():
            radio = QRadioButton(text, self)
            radio.setObjectName(f"task_{task}")
            self.radios[task] = radio
            self.buttons.addButton(radio)
            layout.addWidget(radio)

        self.custom_name = QLineEdit(self)
        self.custom_name.setPlaceholderText(self.tr("Name of the custom task, for example lung-nodules"))
        # A custom finding list reuses the preprocessing (spacing, input shape, intensity) of a built-in task.
        self.base_task = QComboBox(self)
        for task in BUILTIN_TASKS:
            self.base_task.addItem(labels[task], task)
        self.base_task.setToolTip(self.tr("Image type of the studies; sets the preprocessing and input size"))
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("customFindings")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Finding id"),
                self.tr("English name"),
                self.tr("Chinese name"),
                self.tr("English synonyms (comma-separated)"),
                self.tr("Chinese synonyms (comma-separated)"),
            ]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(self.tr("Add finding"), self)
        self.remove_button = QPushButton(self.tr("Remove finding"), self)
        self.add_button.clicked.connect(self.add_finding_row)
        self.remove_button.clicked.connect(self._remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        custom_row = QHBoxLayout()
        custom_row.addWidget(self.custom_name)
        custom_row.addWidget(self.base_task)
        layout.addLayout(custom_row)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.radios["chest-ct"].setChecked(True)
        for radio in self.radios.values():
            radio.toggled.connect(self._update_custom)
        self._update_custom()

    def selected_task(self) -> str:
        """Return the chosen task id, or ``custom``."""
        return next(task for task, radio in self.radios.items() if radio.isChecked())

    def _update_custom(self) -> None:
        custom = self.radios[CUSTOM].isChecked()
        for widget in (self.custom_name, self.base_task, self.table, self.add_button, self.remove_button):
            widget.setVisible(custom)

    def add_finding_row(self, values: tuple[str, ...] | bool = ()) -> None:
        """Append a row to the custom finding table, optionally filled with id, names and synonyms."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        cells = values if isinstance(values, tuple) else ()
        for column in range(self.table.columnCount()):
            text = cells[column] if column < len(cells) else ""
            self.table.setItem(row, column, QTableWidgetItem(text))

    def _remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def _custom_schema(self) -> dict:
        findings = []
        seen = set()
        for row in range(self.table.rowCount()):
            cells = [
                (self.table.item(row, column) or QTableWidgetItem("")).text().strip() for column in range(5)
            ]
            finding_id, name_en, name_zh, synonyms_en, synonyms_zh = cells
            if not any(cells):
                continue
            if not _FINDING_ID.match(finding_id):
                raise ValueError(
                    self.tr(
                        "Row {row}: the finding id '{id}' is invalid. Use lower-case letters, digits and "
                        "underscores, starting with a letter (for example pleural_effusion)."
                    ).format(row=row + 1, id=finding_id)
                )
            if finding_id in seen:
                raise ValueError(
                    self.tr("Row {row}: the finding id '{id}' is used twice.").format(
                        row=row + 1, id=finding_id
                    )
                )
            seen.add(finding_id)
            english = [s.strip() for s in synonyms_en.split(",") if s.strip()]
            chinese = [s.strip() for s in re.split(r"[,，、]", synonyms_zh) if s.strip()]
            name_en = name_en or finding_id.replace("_", " ").capitalize()
            findings.append(
                {
                    "id": finding_id,
                    "name": {"en": name_en, "zh": name_zh or name_en},
                    "synonyms": {
                        "en": english or [name_en.lower()],
                        "zh": chinese or ([name_zh] if name_zh else []),
                    },
                    "prompts": {
                        "en": {"present": f"{name_en} is present.", "absent": f"No {name_en.lower()}."},
                        "zh": {
                            "present": f"可见{name_zh or name_en}。",
                            "absent": f"未见{name_zh or name_en}。",
                        },
                    },
                }
            )
        if not findings:
            raise ValueError(self.tr("Add at least one finding to the custom finding list."))
        return {
            "task": self.custom_name.text().strip() or "custom",
            "version": 1,
            "modality": "CT" if self.base_task.currentData().endswith("-ct") else "MR",
            "unmentioned": 0,
            "findings": findings,
        }

    def validatePage(self) -> bool:
        """Load the chosen schema, or check and save the custom one; show the error and stay on failure."""
        self.error.clear()
        task = self.selected_task()
        try:
            if task == CUSTOM:
                document = self._custom_schema()
                name = re.sub(r"[^A-Za-z0-9_-]+", "-", document["task"]).strip("-") or "custom"
                path = paths.data_dir() / "schemas" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
                parse_schema(document, source=str(path))
                services.write_json_atomic(path, document)
                schema = load_schema(path)
                logger.info("Saved custom finding schema to %s", path)
                self.state.schema_path = str(path)
                self.state.base_task = self.base_task.currentData()
            else:
                schema = load_schema(task)
                self.state.schema_path = task
                self.state.base_task = task
        except (OSError, ValueError, KeyError, ImportError) as error:
            self.error.setText(str(error))
            return False
        self.state.task = task
        self.state.schema = schema
        return True
