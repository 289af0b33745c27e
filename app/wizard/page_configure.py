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
from app.wizard.background import BackgroundTask
from app.wizard.state import WizardState
from greenrfm_core import paths
from greenrfm_core.library import Library, fingerprint_dataset
from greenrfm_core.resource_paths import python_executable

logger = logging.getLogger(__name__)

# NOTE: rough guesses of training throughput in studies per second, shown until the user measures the
# device with a few real training steps. The measured rate of a run appears in its progress events.
ASSUMED_SAMPLES_PER_S = {"cuda": 8.0, "mps": 2.0, "cpu": 0.5}
# Timed optimizer steps of the device measurement, after one warm-up step.
MEASURED_STEPS = 2


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
        self.estimate.setWordWrap(True)

        self.measure_button = QPushButton(self.tr("Measure on this device"), self)
        self.measure_button.setObjectName("measureButton")
        self.measure_button.setToolTip(
            self.tr("Train a few steps on random volumes of the chosen size to measure time and memory")
        )
        self.measure_button.clicked.connect(self.start_measurement)
        estimate_row = QHBoxLayout()
        estimate_row.addWidget(self.estimate, 1)
        estimate_row.addWidget(self.measure_button)
        self.task: BackgroundTask | None = None
        self._measuring = False
        self._measurement = None  # (measurement key, StepMeasurement) of the last finished measurement

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
        form.addRow(self.tr("Estimate"), estimate_row)
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

    def _detect_device(self):
        """Show the first device of ``list_devices`` (the one training picks) and return it, or ``None``."""
        try:
            from greenrfm_core.device import list_devices

            device = list_devices()[0]
        except (ImportError, RuntimeError) as error:
            self.device.setText(self.tr("Device detection failed: {error}").format(error=error))
            return None
        if device.kind == "cpu":
            self.device.setText(
                self.tr("CPU only, {memory:.0f} GiB memory").format(memory=device.total_memory_mb / 1024)
            )
        else:
            self.device.setText(f"{device.name}, {device.total_memory_mb / 1024:.0f} GiB")
        return device

    def _measurement_key(self, device) -> tuple:
        return (device.torch_name, self.profile.currentData(), self.state.base_task,
                " ".join(self.input_shape.text().replace(",", " ").split()))

    def update_estimate(self) -> None:
        """Show the detected device and the time per epoch, time of the whole run and peak memory.

        The figures come from the device measurement when one ran for the current device, profile and input
        size, and from a rough guess of throughput and the memory planner otherwise.
        """
        self.base_model.setEnabled(self.finetune.isChecked())
        device = self._detect_device()
        if device is None:
            return
        measured = None
        if self._measurement is not None and self._measurement[0] == self._measurement_key(device):
            measured = self._measurement[1]
        try:
            planned_mb = self._planned_run(device)[3].estimated_mb
        except (ImportError, ValueError, KeyError) as error:
            logger.info("Memory estimate unavailable: %s", error)
            planned_mb = None
        n_train = max(1, len(self.state.train_ids))
        # Pre-training runs the image encoder in the vision and the align stage; the text stage is cheaper.
        image_epochs = self.epochs.value() * (1 if self.finetune.isChecked() else 2)
        if measured is not None:
            seconds = n_train / measured.samples_per_s
            text = self.tr(
                "about {epoch} per epoch and {total} for the whole run, measured on this device at {rate:.2f} "
                "studies/s; peak memory about {memory}"
            )
        else:
            seconds = n_train / ASSUMED_SAMPLES_PER_S.get(device.kind, 0.5)
            text = self.tr(
                "about {epoch} per epoch and {total} for the whole run (rough estimate; measure for figures "
                "from this device), peak memory about {memory}"
            )
        # Only CUDA reports a measured peak; on the CPU and MPS the memory planner's estimate is shown.
        if measured is not None and measured.peak_device_mb is not None:
            memory_text = self.tr("{memory:.1f} GiB (measured)").format(memory=measured.peak_device_mb / 1024)
        elif planned_mb is not None:
            memory_text = self.tr("{memory:.1f} GiB (planner estimate)").format(memory=planned_mb / 1024)
        else:
            memory_text = self.tr("unknown")
        rate = measured.samples_per_s if measured is not None else 0.0
        self.estimate.setText(text.format(epoch=self._duration(seconds), total=self._duration(seconds * image_epochs),
                                          rate=rate, memory=memory_text))

    def _duration(self, seconds: float) -> str:
        if seconds < 120:
            return self.tr("{count:.0f} s").format(count=max(1.0, seconds))
        if seconds < 2 * 3600:
            return self.tr("{count:.0f} min").format(count=seconds / 60)
        return self.tr("{count:.1f} h").format(count=seconds / 3600)

    def _planned_run(self, device):
        """Return (architecture, input shape z y x, torch device, batch plan) for the current choices."""
        import torch

        from greenrfm_core.models.config import ArchitectureConfig
        from greenrfm_core.preprocess.spec import is_mri, load_spec, plane_shape
        from greenrfm_core.training.profiles import choose_profile, plan_batches
        from greenrfm_core.training.setup import image_layout

        spec = load_spec(self.state.base_task)
        shape_xyz = self._parsed_input_shape() or list(plane_shape(spec, "axial" if is_mri(spec) else None))
        shape_zyx = (shape_xyz[2], shape_xyz[1], shape_xyz[0])
        torch_device = torch.device(device.torch_name)
        base = ArchitectureConfig(**image_layout(spec), num_findings=max(1, len(self.state.finding_ids)))
        profile = choose_profile(
            self.profile.currentData(), base, shape_zyx, torch_device, device.total_memory_mb
        )
        config = ArchitectureConfig.from_dict(base.to_dict() | {"profile": profile})
        plan = plan_batches(config, shape_zyx, 8, torch_device, device.total_memory_mb, device.bf16_supported)
        return config, shape_zyx, torch_device, plan

    def start_measurement(self) -> None:
        """Train a few steps of the chosen model in a background thread and show the measured figures."""
        if self._measuring:
            return
        self.error.clear()
        device = self._detect_device()
        if device is None:
            return
        try:
            config, shape_zyx, torch_device, plan = self._planned_run(device)
        except (ImportError, ValueError, KeyError) as error:
            self.error.setText(str(error))
            return
        from greenrfm_core.training.throughput import measure_training_step

        key = self._measurement_key(device)
        # A CPU step at the full input size takes seconds per study, so the CPU measures two studies per
        # step. A GPU measures the planned micro-batch, whose peak memory is what the run will need.
        batch_size = min(plan.micro_batch, 2) if device.kind == "cpu" else plan.micro_batch
        self._measuring = True
        self.measure_button.setEnabled(False)
        self.measure_button.setText(self.tr("Measuring..."))
        self.task = BackgroundTask(
            lambda progress: measure_training_step(
                config, shape_zyx, torch_device, batch_size=batch_size, steps=MEASURED_STEPS,
                progress=progress,
            ),
            self,
        )
        self.task.progressed.connect(self._measurement_progressed)
        self.task.succeeded.connect(lambda measurement: self._measurement_done(key, measurement))
        self.task.failed.connect(self._measurement_failed)
        self.task.start()
        self.completeChanged.emit()

    def _measurement_progressed(self, done: int, total: int) -> None:
        self.measure_button.setText(
            self.tr("Measuring: step {done} of {total}, the first a warm-up").format(done=done, total=total)
        )

    def _measurement_done(self, key: tuple, measurement) -> None:
        logger.info("Measured %.3f studies/s for %s", measurement.samples_per_s, key)
        self._measurement = (key, measurement)
        self._measurement_finished()

    def _measurement_failed(self, message: str) -> None:
        self.error.setText(self.tr("Measuring the device failed: {error}").format(error=message))
        self._measurement_finished()

    def _measurement_finished(self) -> None:
        self._measuring = False
        self.measure_button.setText(self.tr("Measure on this device"))
        self.measure_button.setEnabled(True)
        self.update_estimate()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Return False while the device measurement runs, so training never competes with it."""
        return super().isComplete() and not self._measuring

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
