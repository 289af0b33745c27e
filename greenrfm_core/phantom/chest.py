"""Render one synthetic chest CT (Hounsfield units) with a chosen set of findings."""

from __future__ import annotations

import numpy as np

from greenrfm_core.phantom.chest_anatomy import AIR, ChestAnatomy, ChestPatient
from greenrfm_core.phantom.chest_findings import (
    CHEST_FINDINGS,
    adjust_patient,
    draw_after_anatomy,
    draw_mediastinal,
)
from greenrfm_core.phantom.geometry import Grid
from greenrfm_core.volume import Volume

# Grid (z, y, x) voxels and spacing (x, y, z) mm per size. "full" matches a routine chest CT; "small" keeps
# the same field of view at about 2.8 mm so tests and training demos stay fast.
CHEST_SIZES = {
    "full": Grid(shape=(300, 512, 512), spacing=(0.7, 0.7, 1.0)),
    "small": Grid(shape=(64, 128, 128), spacing=(2.8, 2.8, 4.0)),
}
NOISE_SIGMA_HU = {"full": 20.0, "small": 12.0}


def render_chest_ct(
    patient: ChestPatient,
    findings: set[str] | frozenset[str],
    rng: np.random.Generator,
    size: str = "small",
) -> tuple[Volume, dict]:
    """Draw a chest CT phantom.

    Args:
        patient: body habitus from :meth:`ChestPatient.sample`; copied, not changed.
        findings: finding ids from ``CHEST_FINDINGS`` to draw.
        rng: random generator for finding placement and noise.
        size: ``"small"`` (128 x 128 x 64, 2.8 x 2.8 x 4 mm) or ``"full"`` (512 x 512 x 300, 0.7 x 0.7 x 1 mm).

    Returns:
        ``(volume, landmarks)``: a CT Volume in HU (float32, canonical LPS) and positions in mm
        (``marker_centre``, ``heart_centre``, lung centres) that tests use to check the rendering.
    """
    unknown = set(findings) - set(CHEST_FINDINGS)
    if unknown:
        raise ValueError(f"unknown chest CT findings {sorted(unknown)}; expected ids from {CHEST_FINDINGS}")
    if size not in CHEST_SIZES:
        raise ValueError(f"size must be one of {sorted(CHEST_SIZES)}; got {size!r}")
    grid = CHEST_SIZES[size]
    patient = ChestPatient(**{**patient.__dict__, "airway_targets": list(patient.airway_targets)})
    adjust_patient(patient, set(findings), rng)

    volume = np.full(grid.shape, AIR, dtype=np.float32)
    anatomy = ChestAnatomy(grid, patient)
    anatomy.draw(volume)
    # Nodes go into the mediastinal fat before the heart and vessels, which may cover part of them.
    if "lymphadenopathy" in findings:
        draw_mediastinal(anatomy, volume, {"lymphadenopathy"}, rng)
    anatomy.draw_heart(volume)
    if "hiatal_hernia" in findings:
        draw_mediastinal(anatomy, volume, {"hiatal_hernia"}, rng)
    anatomy.draw_vessels_and_airways(volume)
    anatomy.draw_spine_ribs_marker(volume)
    # The lung mask loses the voxels that the heart, vessels and mediastinum took over.
    anatomy.lung &= volume < -500
    landmarks = draw_after_anatomy(anatomy, volume, set(findings), rng)

    volume += rng.standard_normal(volume.shape, dtype=np.float32) * np.float32(NOISE_SIGMA_HU[size])
    landmarks.update(
        marker_centre=anatomy.marker_centre,
        heart_centre=anatomy.heart_centre,
        lung_centres=anatomy.lung_centres,
        lung_radii=anatomy.lung_radii,
    )
    result = Volume(
        volume,
        spacing=grid.spacing,
        origin=grid.origin(),
        modality="CT",
        metadata={"series_description": "Phantom chest CT"},
    )
    return result, landmarks
