"""Choices and results that the wizard pages share, from task choice to the trained model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.finding_names import finding_display_name
from app.i18n import current_language


@dataclass
class WizardState:
    """Everything the user chose or the wizard computed so far.

    Attributes:
        task: ``chest-ct``, ``abdomen-ct``, ``knee-mri``, ``spine-mri`` or ``custom``.
        base_task: the built-in task whose preprocessing and network input the run uses.
        schema: the ``greenrfm_core.schemas.Schema`` of the task or of the custom finding list.
        schema_path: the schema JSON passed to training; a task name for built-in schemas.
        studies_dir, reports_file, labels_file: the data the user chose.
        id_column: the report column that contains the study id.
        reports: study id to report text, from the reports file.
        match: the ``greenrfm_core.data.matching.MatchReport`` of studies to reports.
        labels: study id to a label vector (1, 0, -1), shape (n_findings,), in schema order.
        evidence: (study id, finding id) to the sentence that decided the label.
        train_ids, validation_ids: the patient-level split, as study ids.
        dataset_id, job_id: library rows created for this run.
    """

    task: str = "chest-ct"
    base_task: str = "chest-ct"
    schema: Any = None
    schema_path: str | None = None
    studies_dir: Path | None = None
    reports_file: Path | None = None
    labels_file: Path | None = None
    id_column: str | None = None
    reports: dict[str, str] = field(default_factory=dict)
    match: Any = None
    labels: dict[str, np.ndarray] = field(default_factory=dict)
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)
    train_ids: list[str] = field(default_factory=list)
    validation_ids: list[str] = field(default_factory=list)
    dataset_id: int | None = None
    job_id: int | None = None

    @property
    def finding_ids(self) -> list[str]:
        """Finding ids in schema order."""
        return self.schema.finding_ids if self.schema is not None else []

    def finding_name(self, finding_id: str, language: str | None = None) -> str:
        """Return the display name of a finding, falling back to English and then the id.

        Args:
            finding_id: a finding id of the schema.
            language: ``en`` or ``zh_CN``. The default is the language of the installed translators.
        """
        try:
            names = self.schema.finding(finding_id).name
        except (AttributeError, KeyError):
            return finding_id
        return finding_display_name(finding_id, names, language or current_language())
