"""Window/level presets for CT and the automatic window for MRI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication


@dataclass(frozen=True)
class WindowPreset:
    """A named display window in the image's units (Hounsfield units for CT)."""

    key: str
    level: float
    window: float

    def label(self) -> str:
        """Return the translated name shown in menus."""
        return QCoreApplication.translate("WindowPreset", _LABELS[self.key])


_LABELS = {
    "lung": "Lung",
    "mediastinum": "Mediastinum",
    "bone": "Bone",
    "abdomen": "Abdomen",
    "brain": "Brain",
    "auto": "Automatic",
}
# Marks the names for pyside6-lupdate, which only finds literal translate() calls.
_ = (
    QCoreApplication.translate("WindowPreset", "Lung"),
    QCoreApplication.translate("WindowPreset", "Mediastinum"),
    QCoreApplication.translate("WindowPreset", "Bone"),
    QCoreApplication.translate("WindowPreset", "Abdomen"),
    QCoreApplication.translate("WindowPreset", "Brain"),
    QCoreApplication.translate("WindowPreset", "Automatic"),
)

CT_PRESETS = (
    WindowPreset("lung", level=-600.0, window=1500.0),
    WindowPreset("mediastinum", level=40.0, window=400.0),
    WindowPreset("bone", level=400.0, window=1800.0),
    WindowPreset("abdomen", level=40.0, window=350.0),
    WindowPreset("brain", level=40.0, window=80.0),
)


def automatic_window(array: np.ndarray, low: float = 1.0, high: float = 99.0) -> tuple[float, float]:
    """Return (level, window) spanning the ``low``-``high`` percentiles of the voxel values.

    MRI intensities have no absolute scale, so this is the default for MR series and unknown modalities. At most
    about one million voxels are sampled, which keeps the call under a few tens of milliseconds.
    """
    flat = array.reshape(-1)
    step = max(1, flat.size // 1_000_000)
    sample = flat[::step].astype(np.float64)
    lower, upper = np.percentile(sample, [low, high])
    window = max(float(upper - lower), 1e-6)
    return float(lower + window / 2.0), window


def default_window(array: np.ndarray, modality: str) -> tuple[float, float]:
    """Return the (level, window) a series opens with: mediastinum for CT, automatic otherwise."""
    if modality.upper() == "CT":
        preset = CT_PRESETS[1]
        return preset.level, preset.window
    return automatic_window(array)
