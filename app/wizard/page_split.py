"""Wizard page 4: patient-level train/validation split with counts per finding."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard.state import WizardState
from greenrfm_core.data.splits import patient_split


class SplitPage(QWizardPage):
    """Validation share and seed, with positive/negative counts per finding on each side."""

    def __init__(self, state: WizardState, parent=None):
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("Split"))
        self.setSubTitle(
            self.tr("All studies of one patient go to the same side, so validation measures new patients.")
        )
        self.fraction = QDoubleSpinBox(self)
        self.fraction.setRange(0.05, 0.5)
        self.fraction.setSingleStep(0.05)
        self.fraction.setValue(0.25)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.summary = QLabel(self)
        self.summary.setObjectName("splitSummary")
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b35900;")
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("splitTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Finding"),
                self.tr("Train positive"),
                self.tr("Train negative"),
                self.tr("Validation positive"),
                self.tr("Validation negative"),
            ]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        form = QFormLayout()
        form.addRow(self.tr("Validation share"), self.fraction)
        form.addRow(self.tr("Random seed"), self.seed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.warnings)
        layout.addWidget(self.table)
        self.fraction.valueChanged.connect(self.update_split)
        self.seed.valueChanged.connect(self.update_split)

    def initializePage(self) -> None:
        self.update_split()

    def update_split(self) -> None:
        """Split the labelled matched studies by patient and refresh the counts."""
        records = [r for r in self.state.match.matched if r.study_id in self.state.labels]
        train, validation = patient_split(records, self.fraction.value(), self.seed.value())
        self.state.train_ids = [r.study_id for r in train]
        self.state.validation_ids = [r.study_id for r in validation]
        patients = len({r.patient_key for r in records})
        self.summary.setText(
            self.tr("{train} training and {validation} validation studies from {patients} patients").format(
                train=len(train), validation=len(validation), patients=patients
            )
        )
        finding_ids = self.state.finding_ids
        counts = [self._counts(self.state.train_ids), self._counts(self.state.validation_ids)]
        self.table.setRowCount(len(finding_ids))
        no_validation_positive = []
        for row, finding in enumerate(finding_ids):
            values = [counts[0][0][row], counts[0][1][row], counts[1][0][row], counts[1][1][row]]
            self.table.setItem(row, 0, QTableWidgetItem(self.state.finding_name(finding)))
            for column, value in enumerate(values, start=1):
                self.table.setItem(row, column, QTableWidgetItem(str(int(value))))
            if counts[1][0][row] == 0 or counts[1][1][row] == 0:
                no_validation_positive.append(finding)
        if no_validation_positive:
            self.warnings.setText(
                self.tr(
                    "No AUROC can be computed for {count} finding(s) because validation lacks positive or "
                    "negative studies: {names}"
                ).format(
                    count=len(no_validation_positive),
                    names=", ".join(self.state.finding_name(f) for f in no_validation_positive),
                )
            )
        else:
            self.warnings.clear()
        self.completeChanged.emit()

    def _counts(self, study_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.state.finding_ids)
        if not study_ids:
            return np.zeros(n, dtype=int), np.zeros(n, dtype=int)
        matrix = np.stack([self.state.labels[s] for s in study_ids])
        return (matrix == 1).sum(axis=0), (matrix == 0).sum(axis=0)

    def isComplete(self) -> bool:
        """Return True when the split has at least one training and one validation study."""
        return bool(self.state.train_ids) and bool(self.state.validation_ids)
