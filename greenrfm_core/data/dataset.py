"""PyTorch dataset over preprocessed studies, with light augmentation for training.

Every study is preprocessed once through the on-disk preprocessing cache before training starts, so epochs
read cached arrays instead of DICOM. Small cohorts are also kept in memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from greenrfm_core.data.matching import StudyRecord
from greenrfm_core.data.planes import array_bytes, as_float_arrays, find_missing_series

logger = logging.getLogger(__name__)

# Cohorts whose preprocessed arrays total less than this stay in memory between epochs.
IN_MEMORY_LIMIT_BYTES = 2 * 2**30


def preprocess_records(
    records: list[StudyRecord],
    spec: dict,
    cache: bool = True,
    missing_sequences: list[tuple[str, str, str]] | None = None,
) -> tuple[list[StudyRecord], list, list[tuple[str, str]]]:
    """Preprocess each study once, skipping unreadable ones with a counted warning.

    For an MRI spec, a study missing a whole plane is skipped too, because the three-plane model needs every
    plane. A missing sequence stays an all-zero channel and is appended to ``missing_sequences``.

    Args:
        records: matched studies.
        spec: preprocessing spec (see ``greenrfm_core.preprocess``).
        cache: use the on-disk preprocessing cache.
        missing_sequences: when given, receives ``(study_id, plane, sequence)`` per missing MRI series.

    Returns:
        Readable records, their arrays (CT: float32 (C, z, y, x); MRI: plane -> float32 (sequences, z, y, x);
        ``None`` when the cohort is too large to keep in memory and items are reloaded from the cache), and
        ``(study_id, reason)`` per skipped study.
    """
    from greenrfm_core.preprocess import is_mri, preprocess_study

    mri = is_mri(spec)
    kept: list[StudyRecord] = []
    arrays: list = []
    skipped: list[tuple[str, str]] = []
    total_bytes = 0
    for record in records:
        try:
            array = as_float_arrays(preprocess_study(record.path, spec, cache=cache), spec)
        except Exception as error:  # noqa: BLE001 - any loader failure marks this one study unreadable
            reason = f"{type(error).__name__}: {error}"
            logger.warning("Skipping unreadable study %s: %s", record.study_id, reason)
            skipped.append((record.study_id, reason))
            continue
        if mri:
            missing_planes, missing = find_missing_series(array, spec)
            if missing_planes:
                reason = (f"no {', '.join(missing_planes)} series; the three-plane model needs "
                          f"{', '.join(spec['planes'])}")
                logger.warning("Skipping study %s: %s", record.study_id, reason)
                skipped.append((record.study_id, reason))
                continue
            for plane, sequence in missing:
                logger.warning("Study %s has no %s %s series; using a zero channel", record.study_id, plane,
                               sequence)
                if missing_sequences is not None:
                    missing_sequences.append((record.study_id, plane, sequence))
        kept.append(record)
        arrays.append(array)
        total_bytes += array_bytes(array)
    if skipped:
        logger.warning("Skipped %d of %d studies as unreadable or incomplete", len(skipped), len(records))
    if total_bytes > IN_MEMORY_LIMIT_BYTES:
        logger.info("Preprocessed cohort is %.1f GiB; reading items from the cache", total_bytes / 2**30)
        arrays = [None] * len(kept)
    return kept, arrays, skipped


class StudyDataset(Dataset):
    """Preprocessed studies with labels and report text.

    Each item is a dict: ``image`` float32 tensor (C, z, y, x) in the spec's [0, 1] or normalised units, or
    for an MRI spec a dict plane -> (sequences, z, y, x) (left out when ``with_images`` is False, for the
    text stage), ``labels`` float32 (n_findings,) with
    1/0/-1, ``report`` str, ``index`` int.
    """

    def __init__(
        self,
        records: list[StudyRecord],
        arrays: list,
        spec: dict,
        augment: bool = False,
        seed: int = 0,
        with_images: bool = True,
    ) -> None:
        if len(records) != len(arrays):
            raise ValueError(f"{len(records)} records but {len(arrays)} arrays")
        self.records = records
        self.arrays = arrays
        self.spec = spec
        self.augment = augment
        self.seed = seed
        self.with_images = with_images
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.records)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch so augmentation differs per epoch but repeats after a resume."""
        self.epoch = epoch

    def _array(self, index: int):
        array = self.arrays[index]
        if array is None:
            from greenrfm_core.preprocess import preprocess_study

            array = as_float_arrays(preprocess_study(self.records[index].path, self.spec, cache=True), self.spec)
        return array

    def __getitem__(self, index: int) -> dict:
        record = self.records[index]
        labels = record.labels if record.labels is not None else np.full(0, -1.0, np.float32)
        item = {
            "labels": torch.as_tensor(labels, dtype=torch.float32),
            "report": record.report,
            "index": index,
        }
        if self.with_images:
            array = self._array(index)
            generator = None
            if self.augment:
                generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch * 10_007 + index)
            if isinstance(array, dict):
                item["image"] = {plane: _image_tensor(volume, generator) for plane, volume in array.items()}
            else:
                item["image"] = _image_tensor(array, generator)
        return item


def _image_tensor(array: np.ndarray, generator: torch.Generator | None) -> torch.Tensor:
    image = torch.from_numpy(np.array(array, dtype=np.float32))
    return augment_volume(image, generator) if generator is not None else image


def augment_volume(image: torch.Tensor, generator: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Apply a light random augmentation: shifts of up to ``max_shift`` voxels and a 5% intensity jitter.

    Left-right flips are left out, because several findings are lateral.

    Args:
        image: shape (C, z, y, x).
        generator: seeded generator, so each (epoch, study) pair draws the same augmentation.
    """
    shifts = torch.randint(-max_shift, max_shift + 1, (3,), generator=generator).tolist()
    image = torch.roll(image, shifts=shifts, dims=(1, 2, 3))
    scale = 1.0 + (torch.rand((), generator=generator).item() - 0.5) * 0.1
    offset = (torch.rand((), generator=generator).item() - 0.5) * 0.05
    return image * scale + offset


def collate_studies(items: list[dict]) -> dict:
    """Stack dataset items into a batch: ``labels`` (B, F), ``report`` list, ``index`` (B,) and ``image``.

    ``image`` is (B, C, z, y, x), or for MRI a dict plane -> (B, sequences, z, y, x).
    """
    batch = {
        "labels": torch.stack([item["labels"] for item in items]),
        "report": [item["report"] for item in items],
        "index": torch.as_tensor([item["index"] for item in items]),
    }
    if "image" in items[0]:
        first = items[0]["image"]
        if isinstance(first, dict):
            batch["image"] = {plane: torch.stack([item["image"][plane] for item in items]) for plane in first}
        else:
            batch["image"] = torch.stack([item["image"] for item in items])
    return batch


def data_fingerprint(records: list[StudyRecord]) -> str:
    """Return a SHA-256 over study ids, file sizes and labels, for the run manifest (no identifiers)."""
    import hashlib

    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r.study_id):
        digest.update(hashlib.sha256(record.study_id.encode()).digest())
        digest.update(str(_path_size(record.path)).encode())
        if record.labels is not None:
            digest.update(np.asarray(record.labels, np.float32).tobytes())
        digest.update(hashlib.sha256(record.report.encode()).digest())
    return digest.hexdigest()


def _path_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
