"""Preparing a run: spec, schema, cohort and split, tokenizer, architecture and the model to train."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from greenrfm_core.data.dataset import data_fingerprint, preprocess_records
from greenrfm_core.data.loading import load_cohort
from greenrfm_core.data.matching import MatchReport, StudyRecord
from greenrfm_core.data.splits import patient_split, split_from_file
from greenrfm_core.models import ArchitectureConfig, GreenRFMModel, TextEncoderConfig, build_model
from greenrfm_core.models.text import TOKENIZER_FILE, load_wordpiece_tokenizer, train_wordpiece_tokenizer
from greenrfm_core.training.config import TrainConfig
from greenrfm_core.training.distributed import broadcast_text

logger = logging.getLogger(__name__)

SCRATCH_VOCAB_SIZE = 4000


@dataclass
class Cohort:
    """Preprocessed training and validation studies."""

    train: list[StudyRecord]
    train_arrays: list
    validation: list[StudyRecord]
    validation_arrays: list
    match: MatchReport
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_reports(self) -> bool:
        """Whether every training study has report text, which the text and align stages need."""
        return bool(self.train) and all(record.report for record in self.train)

    def fingerprint(self) -> str:
        """Return the SHA-256 data fingerprint of all studies used."""
        return data_fingerprint(self.train + self.validation)

    def summary(self) -> dict:
        """Return counts for the run manifest (no study identifiers)."""
        return {
            "train_studies": len(self.train),
            "validation_studies": len(self.validation),
            "unmatched_rows": len(self.match.unmatched_rows),
            "unmatched_studies": len(self.match.unmatched_studies),
            "unreadable_studies": len(self.match.unreadable) + len(self.skipped),
        }


# Built-in spec of a custom schema whose task has no spec of its own, by the schema's DICOM modality.
DEFAULT_SPEC_BY_MODALITY = {"CT": "chest-ct", "MR": "knee-mri"}


def default_spec_name(schema) -> str:
    """Return the built-in spec for ``schema``: its task's spec, else the spec of its modality.

    Raises:
        ValueError: the schema's task has no built-in spec and its modality is neither CT nor MR.
    """
    from greenrfm_core.preprocess.spec import available_tasks

    if schema.task in available_tasks():
        return schema.task
    modality = (schema.modality or "").upper()
    if modality in DEFAULT_SPEC_BY_MODALITY:
        return DEFAULT_SPEC_BY_MODALITY[modality]
    raise ValueError(
        f"Schema task {schema.task!r} has no built-in preprocessing spec and its modality {schema.modality!r} "
        f"is neither CT nor MR; pass --spec with one of {', '.join(available_tasks())} or a spec JSON file."
    )


def build_spec(config: TrainConfig, schema, base_spec: dict | None = None) -> dict:
    """Return the run's preprocessing spec with ``--input-shape`` and ``--spacing`` applied.

    The spec is ``config.spec`` when set, else ``base_spec`` (the ``--init`` model's), else the spec of
    ``schema`` when it is a task name, else :func:`default_spec_name` of the schema object, so a custom
    finding list trains with a built-in spec.

    Raises:
        ValueError: ``--input-shape`` with an MRI spec, whose shape is one grid per plane.
    """
    from greenrfm_core.preprocess import is_mri, load_spec, override_spec

    if config.spec is not None:
        spec = load_spec(config.spec)
    elif base_spec is not None:
        spec = load_spec(base_spec)
    elif isinstance(schema, str):
        spec = load_spec(schema)
    else:
        spec = load_spec(default_spec_name(schema))
    changes = {}
    if config.input_shape:
        if is_mri(spec):
            raise ValueError(
                f"--input-shape sets one (x, y, z) grid, but the MRI spec {spec['task']!r} has one per plane; "
                "pass --spec with a spec JSON file whose shape lists each plane's grid."
            )
        changes["shape"] = [int(v) for v in config.input_shape]
    if config.spacing:
        changes["spacing"] = [float(v) for v in config.spacing]
    return override_spec(spec, **changes) if changes else spec


def input_shape_zyx(spec: dict) -> tuple[int, int, int]:
    """Return the network input size (z, y, x) of a spec, whose ``shape`` is (x, y, z).

    For an MRI spec this is the grid of the plane with the most voxels, the size the memory planner
    assumes for every plane's encoder.
    """
    from greenrfm_core.preprocess import is_mri, plane_shape

    if is_mri(spec):
        grids = [plane_shape(spec, plane) for plane in spec["planes"]]
        x, y, z = max(grids, key=lambda grid: grid[0] * grid[1] * grid[2])
    else:
        x, y, z = spec["shape"]
    return (int(z), int(y), int(x))


def image_layout(spec: dict) -> dict:
    """Return the ``ArchitectureConfig`` fields the spec fixes: ``kind``, ``in_channels`` and ``planes``."""
    from greenrfm_core.preprocess import is_mri

    if spec and is_mri(spec):
        return {"kind": "mri3plane", "in_channels": len(spec["sequences"]), "planes": tuple(spec["planes"])}
    return {"kind": "ct", "in_channels": 1, "planes": ()}


def prepare_cohort(config: TrainConfig, schema, spec: dict, events) -> Cohort:
    """Match, label, split by patient and preprocess the studies; unreadable studies become warnings.

    Raises:
        ValueError: no study matched, or too few remain to train.
    """
    match = load_cohort(config.data_dir, schema, reports=config.reports, labels=config.labels)
    for name, reason in match.unreadable:
        events.warning(f"Unreadable study {name}: {reason}")
    if not match.matched:
        raise ValueError(
            f"No study in {config.data_dir} matched the ids in {config.labels or config.reports} "
            f"({match.summary()}); check the id column and the study folder names."
        )
    split_file = config.split or (Path(config.out) / "split.csv")
    if Path(split_file).is_file():
        train, validation = split_from_file(match.matched, split_file)
        logger.info("Using the train/validation split in %s", split_file)
    else:
        train, validation = patient_split(match.matched, config.val_fraction, config.seed)
    missing_sequences: list[tuple[str, str, str]] = []
    train, train_arrays, skipped_train = preprocess_records(train, spec, missing_sequences=missing_sequences)
    validation, validation_arrays, skipped_validation = preprocess_records(
        validation, spec, missing_sequences=missing_sequences)
    skipped = skipped_train + skipped_validation
    for study_id, reason in skipped:
        events.warning(f"Skipped study {study_id}: {reason}")
    if skipped:
        events.warning(f"Skipped {len(skipped)} unreadable or incomplete studies of {len(match.matched)}")
    for study_id, plane, sequence in missing_sequences:
        events.warning(f"Study {study_id} has no {plane} {sequence} series; training on a zero channel")
    if missing_sequences:
        studies = len({study_id for study_id, _, _ in missing_sequences})
        events.warning(f"{len(missing_sequences)} missing MRI series in {studies} studies became zero channels")
    if not train:
        raise ValueError(f"No readable training study is left in {config.data_dir} after skipping "
                         f"{len(skipped)} unreadable ones.")
    logger.info("Cohort: %d training and %d validation studies (%s)", len(train), len(validation),
                match.summary())
    return Cohort(train, train_arrays, validation, validation_arrays, match, skipped)


def text_encoder_config(choice: str) -> TextEncoderConfig:
    """Map ``--text-encoder minilm|scratch|PATH`` to a :class:`TextEncoderConfig`."""
    if choice == "minilm":
        return TextEncoderConfig(kind="minilm")
    if choice == "scratch":
        return TextEncoderConfig(kind="scratch", layers=2, dim=128, heads=4, vocab_size=SCRATCH_VOCAB_SIZE,
                                 max_len=128)
    if choice == "none":
        return TextEncoderConfig(kind="none")
    path = Path(choice)
    if not (path / "config.json").is_file():
        raise ValueError(f"Invalid --text-encoder {choice!r}: expected minilm, scratch or a local Hugging Face "
                         "model folder with config.json.")
    return TextEncoderConfig(kind="hf", path=str(path.resolve()))


def scratch_tokenizer(run_dir: Path, reports: list[str], schema, is_main: bool, device: torch.device):
    """Load the run's WordPiece tokenizer, or train it on training reports and prompts and save it.

    The tokenizer is saved in the run folder, so a resumed run uses the same vocabulary. Under DDP rank 0
    loads or trains it and sends it to the other ranks. WordPiece training on the same texts gives a
    different vocabulary in each process (seen with tokenizers 0.23), so tokenizers trained on every rank
    would give one word different ids.
    """
    from tokenizers import Tokenizer

    path = run_dir / TOKENIZER_FILE
    text = None
    if is_main:
        if path.is_file():
            text = load_wordpiece_tokenizer(path).to_str()
        else:
            texts = list(reports)
            for finding in schema.findings:
                for prompts in finding.prompts.values():
                    texts.extend(prompts.values())
            tokenizer = train_wordpiece_tokenizer(texts, vocab_size=SCRATCH_VOCAB_SIZE, min_frequency=1)
            run_dir.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".json.tmp")
            tokenizer.save(str(temp))
            temp.replace(path)
            text = tokenizer.to_str()
    return Tokenizer.from_str(broadcast_text(text, device))


def build_run_model(
    config: TrainConfig,
    profile: str,
    num_findings: int,
    checkpointing: bool,
    tokenizer,
    with_text: bool,
    spec: dict | None = None,
) -> tuple[GreenRFMModel, ArchitectureConfig]:
    """Build a fresh model for the run; the seed makes the initial weights reproducible.

    ``spec`` selects a CT or three-plane MRI image encoder (see :func:`image_layout`); ``None`` builds CT.
    """
    widths = ArchitectureConfig.scaled_widths(config.width_mult)
    architecture = ArchitectureConfig(
        **image_layout(spec or {}), profile=profile, widths=widths, latent_dim=config.latent_dim,
        num_findings=num_findings, text=text_encoder_config(config.text_encoder if with_text else "none"),
        checkpointing=checkpointing,
    )
    torch.manual_seed(config.seed)
    model = build_model(architecture, tokenizer=tokenizer)
    return model, architecture


def expand_classifier(model: GreenRFMModel, old_ids: list[str], new_ids: list[str]) -> GreenRFMModel:
    """Resize the shared classifier to ``new_ids``, keeping the trained rows of findings in both lists.

    New findings get freshly initialised rows; findings not in ``new_ids`` are dropped.
    """
    old = model.classifier
    new = torch.nn.Linear(old.in_features, len(new_ids)).to(old.weight.device)
    with torch.no_grad():
        for row, finding in enumerate(new_ids):
            if finding in old_ids:
                new.weight[row] = old.weight[old_ids.index(finding)]
                new.bias[row] = old.bias[old_ids.index(finding)]
    model.classifier = new
    model.config.num_findings = len(new_ids)
    return model


def label_matrix(records: list[StudyRecord]) -> np.ndarray:
    """Stack the label vectors of ``records`` into (N, K)."""
    return np.stack([record.labels for record in records]) if records else np.zeros((0, 0), np.float32)
