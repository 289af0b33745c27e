"""Wizard page 5: training mode, profile, device, estimates, epochs and output folder."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard import services
from app.wizard.state import WizardState
from greenrfm_core import paths
from greenrfm_core.library import Library, fingerprint_dataset
from greenrfm_core.resource_paths import python_executable

logger = logging.getLogger(__name__)

# NOTE: rough guesses of training throughput in studies per second, used only for the time estimate shown
# before training starts. The measured rate appears in the progress events once the run begins.
ASSUMED_SAMPLES_PER_S = {"cuda": 8.0, "mps": 2.0, "cpu": 0.5}


class ConfigurePage(QWizardPage):
    """Pre-train or fine-tune, profile, epochs and output folder; writes the run inputs and records the job."""

    def __init__(self, state: WizardState, library_path: Path | None, parent=None):
        super().__init__(parent)
        self.state = state
        self.library_path = library_path
        self.setTitle(self.tr("Configure"))
        self.setSubTitle(self.tr("Choose how to train; the estimates are for the detected device."))
        self.scratch = QRadioButton(
            self.tr("Pre-train from scratch (MUST: labels first, then image-text alignment)"), self
        )
        self.finetune = QRadioButton(self.tr("Fine-tune an existing model"), self)
        self.scratch.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.scratch)
        group.addButton(self.finetune)
        self.base_model = QComboBox(self)
        self.base_model.setObjectName("baseModel")
        self.profile = QComboBox(self)
        for value, text in (
            ("auto", self.tr("Automatic")),
            ("lite", self.tr("Lite (laptop, stride-4 stem)")),
            ("standard", self.tr("Standard (GPU, stride-2 stem)")),
        ):
            self.profile.addItem(text, value)
        self.device = QLabel(self)
        self.device.setObjectName("deviceLabel")
        self.estimate = QLabel(self)
        self.estimate.setObjectName("estimateLabel")
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(20)
        self.input_shape = QLineEdit(self)
        self.input_shape.setPlaceholderText(self.tr("Task default; or x y z in voxels, for example 64 64 32"))
        self.output = QLineEdit(self)
        browse = QPushButton(self.tr("Browse..."), self)
        browse.clicked.connect(self._browse_output)
        output_row = QHBoxLayout()
        output_row.addWidget(self.output)
        output_row.addWidget(browse)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow(self.tr("Start from"), self.base_model)
        form.addRow(self.tr("Profile"), self.profile)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Estimate"), self.estimate)
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow(self.tr("Input size"), self.input_shape)
        form.addRow(self.tr("Save the run in"), output_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scratch)
        layout.addWidget(self.finetune)
        layout.addLayout(form)
        layout.addWidget(self.error)
        for signal in (self.finetune.toggled, self.profile.currentIndexChanged, self.epochs.valueChanged):
            signal.connect(self.update_estimate)
        self.input_shape.textChanged.connect(self.update_estimate)

    def _browse_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose where to save the run"), self.output.text()
        )
        if folder:
            self.output.setText(folder)

    def initializePage(self) -> None:
        self.base_model.clear()
        with Library(self.library_path) as library:
            for model in library.list_models(task=self.state.task):
                self.base_model.addItem(f"{model.name} ({model.folder})", model.id)
        self.finetune.setEnabled(self.base_model.count() > 0)
        if self.base_model.count() == 0:
            self.scratch.setChecked(True)
        if not self.output.text():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.output.setText(str(paths.data_dir() / "runs" / f"{self.state.task}-{stamp}"))
        self.update_estimate()

    def _parsed_input_shape(self) -> list[int] | None:
        text = self.input_shape.text().replace(",", " ").split()
        if not text:
            return None
        if len(text) != 3 or not all(part.isdigit() and int(part) >= 8 for part in text):
            raise ValueError(
                self.tr("Input size must be three whole numbers of at least 8 (x y z), for example 64 64 32.")
            )
        return [int(part) for part in text]

    def update_estimate(self) -> None:
        """Show the detected device and the estimated time per epoch and peak memory."""
        self.base_model.setEnabled(self.finetune.isChecked())
        try:
            from greenrfm_core.device import list_devices

            device = list_devices()[0]
        except (ImportError, RuntimeError) as error:
            self.device.setText(self.tr("Device detection failed: {error}").format(error=error))
            return
        if device.kind == "cpu":
            self.device.setText(
                self.tr("CPU only, {memory:.0f} GiB memory").format(memory=device.total_memory_mb / 1024)
            )
        else:
            self.device.setText(f"{device.name}, {device.total_memory_mb / 1024:.0f} GiB")
        n_train = max(1, len(self.state.train_ids))
        seconds = n_train / ASSUMED_SAMPLES_PER_S.get(device.kind, 0.5)
        try:
            memory = self._estimate_memory_mb(device)
        except (ImportError, ValueError, KeyError) as error:
            logger.info("Memory estimate unavailable: %s", error)
            memory = None
        memory_text = self.tr("unknown") if memory is None else f"{memory / 1024:.1f} GiB"
        self.estimate.setText(
            self.tr("about {seconds:.0f} s per epoch (rough estimate), peak memory about {memory}").format(
                seconds=seconds, memory=memory_text
            )
        )

    def _estimate_memory_mb(self, device) -> float:
        import torch

        from greenrfm_core.models.config import ArchitectureConfig
        from greenrfm_core.preprocess.spec import is_mri, load_spec, plane_shape
        from greenrfm_core.training.profiles import choose_profile, plan_batches

        spec = load_spec(self.state.base_task)
        shape_xyz = self._parsed_input_shape() or list(plane_shape(spec, "axial" if is_mri(spec) else None))
        shape_zyx = (shape_xyz[2], shape_xyz[1], shape_xyz[0])
        torch_device = torch.device(device.torch_name)
        kind = "mri3plane" if is_mri(spec) else "ct"
        base = ArchitectureConfig(kind=kind, num_findings=max(1, len(self.state.finding_ids)))
        profile = choose_profile(
            self.profile.currentData(), base, shape_zyx, torch_device, device.total_memory_mb
        )
        config = ArchitectureConfig.from_dict(base.to_dict() | {"profile": profile})
        plan = plan_batches(config, shape_zyx, 8, torch_device, device.total_memory_mb, device.bf16_supported)
        return plan.estimated_mb

    def build_command(self, run_dir: Path, labels_path: Path, events_path: Path) -> list[str]:
        """Return the ``greenrfm train`` command line for the current choices."""
        # A custom finding list goes in --task as a schema file, and --spec keeps the chosen image type's
        # preprocessing spec.
        custom = self.state.task == "custom"
        task = str(self.state.schema_path) if custom else self.state.base_task
        command = [
            python_executable(),
            "-m",
            "greenrfm_core",
            "train",
            "--task",
            task,
            "--data",
            str(self.state.studies_dir),
            "--labels",
            str(labels_path),
            "--profile",
            self.profile.currentData(),
            "--stage",
            "finetune" if self.finetune.isChecked() else "all",
            "--out",
            str(run_dir),
            "--events",
            str(events_path),
            "--epochs",
            str(self.epochs.value()),
            "--split",
            str(run_dir / "split.csv"),
        ]
        if custom:
            command += ["--spec", self.state.base_task]
        if self.state.reports_file:
            # --labels carries the reviewed labels, so the report text for the text encoder comes separately.
            command += ["--report-text", str(self.state.reports_file)]
        if self.finetune.isChecked():
            with Library(self.library_path) as library:
                command += ["--init", library.get_model(self.base_model.currentData()).folder]
        shape = self._parsed_input_shape()
        if shape:
            command += ["--input-shape", *(str(n) for n in shape)]
        return command

    def validatePage(self) -> bool:
        """Write the edited labels and the split into the run folder and record the dataset and the job."""
        self.error.clear()
        try:
            run_dir = Path(self.output.text().strip()).expanduser()
            if not self.output.text().strip():
                raise ValueError(self.tr("Choose a folder to save the run in."))
            run_dir.mkdir(parents=True, exist_ok=True)
            study_ids = self.state.train_ids + self.state.validation_ids
            labels_path = run_dir / "labels.csv"
            services.write_labels_csv(labels_path, self.state.finding_ids, self.state.labels, study_ids)
            services.write_split_csv(run_dir / "split.csv", self.state.train_ids, self.state.validation_ids)
            events_path = run_dir / "events.jsonl"
            command = self.build_command(run_dir, labels_path, events_path)
            with Library(self.library_path) as library:
                dataset_id = library.add_dataset(
                    Path(self.state.studies_dir).name,
                    self.state.studies_dir,
                    self.state.task,
                    reports_file=self.state.reports_file,
                    labels_file=self.state.labels_file,
                    n_studies=len(self.state.match.matched) + len(self.state.match.unmatched_studies),
                    n_matched=len(self.state.match.matched),
                    fingerprint=fingerprint_dataset(
                        self.state.studies_dir, self.state.reports_file, self.state.labels_file
                    ),
                )
                job_id = library.add_job(
                    self.state.task, command, run_dir, events_path, dataset_id=dataset_id
                )
        except (OSError, ValueError, KeyError) as error:
            self.error.setText(str(error))
            return False
        self.state.dataset_id = dataset_id
        self.state.job_id = job_id
        return True
