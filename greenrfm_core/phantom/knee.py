"""Synthetic right-knee MRI: sagittal, coronal and axial series in PD, PD fat-saturated and T1 sequences.

The knee is drawn as a tissue label map from one list of paint operations (the "plan"), which is replayed on
each plane's grid so all three series show the same knee. Labels then map to each sequence's signal. Knee
coordinates are mm in LPS with the joint line at z = 0; for a right knee the medial side is the patient's
left (+x) and the fibula lies lateral (-x) and posterior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenrfm_core.phantom.geometry import Grid, ellipsoid, segment_distance
from greenrfm_core.volume import Volume

KNEE_FINDINGS = (
    "meniscus_medial",
    "meniscus_lateral",
    "acl",
    "pcl",
    "mcl",
    "lcl",
    "cartilage",
    "bone_marrow_edema",
    "fracture",
    "effusion_baker_cyst",
    "synovitis_bursitis",
    "postoperative",
    "degenerative_oa",
    "normal",
)
SEQUENCES = ("PD", "PD-FS", "T1")

AIR, FAT, MUSCLE, CORTEX, MARROW, CARTILAGE, FLUID, LOW, EDEMA, SYNOVIUM, METAL = range(11)
# Signal per label (rows) for PD, PD fat-sat and T1 (columns), arbitrary scanner units.
SIGNAL = np.array(
    [
        [0, 0, 0],
        [800, 90, 900],
        [350, 280, 380],
        [30, 30, 30],
        [700, 110, 800],
        [550, 480, 420],
        [650, 950, 150],
        [50, 50, 50],
        [650, 850, 350],
        [500, 650, 400],
        [0, 0, 0],
    ],
    dtype=np.float32,
)
NOISE_SIGMA = 18.0

# Plane -> (grid (z, y, x) shape, spacing (x, y, z) mm) per size; thick slices along the plane normal.
KNEE_SIZES = {
    "small": {
        "sagittal": Grid((128, 128, 24), (4.0, 1.25, 1.25)),
        "coronal": Grid((128, 20, 128), (1.25, 4.0, 1.25)),
        "axial": Grid((24, 128, 128), (1.25, 1.25, 4.0)),
    },
    "full": {
        "sagittal": Grid((384, 384, 32), (3.0, 0.42, 0.42)),
        "coronal": Grid((384, 28, 384), (0.42, 3.0, 0.42)),
        "axial": Grid((32, 384, 384), (0.42, 0.42, 3.0)),
    },
}


@dataclass
class PaintOp:
    """One label-painting step: a mask inside a bounding box, optionally only over some existing labels."""

    low: tuple
    high: tuple
    mask: object
    label: int
    over: tuple | None = None


def _ellipsoid_op(centre, radii, label, over=None) -> PaintOp:
    low = tuple(c - r for c, r in zip(centre, radii))
    high = tuple(c + r for c, r in zip(centre, radii))
    return PaintOp(low, high, ellipsoid(centre, radii), label, over)


def _capsule_op(start, end, radius, label, over=None) -> PaintOp:
    low = tuple(min(a, b) - radius for a, b in zip(start, end))
    high = tuple(max(a, b) + radius for a, b in zip(start, end))
    return PaintOp(low, high, lambda x, y, z: segment_distance(x, y, z, start, end) <= radius, label, over)


def _bone_ops(parts, shell=2.0) -> list[PaintOp]:
    """Cortex over the union of parts, then marrow over the same parts shrunk by ``shell`` mm."""
    ops = []
    for label, grow in ((CORTEX, 0.0), (MARROW, -shell)):
        for kind, *args in parts:
            if kind == "ellipsoid":
                centre, radii = args
                ops.append(_ellipsoid_op(centre, tuple(r + grow for r in radii), label))
            else:
                start, end, radius = args
                ops.append(_capsule_op(start, end, radius + grow, label))
    return ops


def _meniscus_op(side: int, label: int, posterior_only: bool = False) -> PaintOp:
    centre_x, centre_y = side * 20.0, 3.0

    def mask(x, y, z):
        radius = np.sqrt((x - centre_x) ** 2 + (y - centre_y) ** 2)
        wedge_top = -4.0 + 5.0 * np.clip((radius - 12.0) / 7.0, 0.0, 1.0)
        inside = (radius >= 12.0) & (radius <= 20.0) & (z >= -4.5) & (z <= wedge_top)
        return inside & (y > centre_y + 2.0) if posterior_only else inside

    return PaintOp((centre_x - 21, centre_y - 21, -5), (centre_x + 21, centre_y + 21, 2), mask, label)


def knee_plan(findings: set[str], rng: np.random.Generator) -> list[PaintOp]:
    """List the paint operations for one knee with the given findings; random choices are made here."""
    ops: list[PaintOp] = []
    ops.append(_ellipsoid_op((0, 2, 0), (56, 58, 400), FAT))
    for z_centre in (-95.0, 95.0):
        ops.append(_ellipsoid_op((0, 6, z_centre), (46, 46, 62), MUSCLE))
    femur = [
        ("capsule", (0, 2, 28), (0, 2, 200), 15.0),
        ("ellipsoid", (20, 6, 19), (17, 24, 17)),
        ("ellipsoid", (-20, 6, 19), (17, 24, 17)),
    ]
    tibia = [("capsule", (0, 4, -200), (0, 4, -26), 16.0), ("ellipsoid", (0, 3, -16), (38, 28, 12))]
    fibula = [("capsule", (-32, 20, -200), (-32, 20, -26), 8.0)]
    patella = [("ellipsoid", (0, -36, 24), (20, 9, 18))]
    # Articular cartilage: femoral condyles and tibial plateau, painted before the bone they cover.
    oa = "degenerative_oa" in findings
    for side in (1, -1):
        thickness = 1.0 if (oa and side == 1) else 3.0
        ops.append(
            _ellipsoid_op((side * 20, 6, 19), (17 + thickness, 24 + thickness, 17 + thickness), CARTILAGE)
        )
    ops.append(_ellipsoid_op((0, 3, -16), (38, 28, 15), CARTILAGE))
    ops.append(_ellipsoid_op((0, -36, 24), (20, 12, 18), CARTILAGE))
    for parts in (femur, tibia, fibula, patella):
        ops += _bone_ops(parts)
    ops.append(_capsule_op((0, -42, 6), (0, -34, -30), 3.5, LOW))
    ops.append(_capsule_op((0, -42, 42), (0, -26, 90), 4.0, LOW))
    ops.append(_ellipsoid_op((0, -28, 38), (18, 2.5, 10), FLUID, over=(FAT, MUSCLE)))
    for side in (1, -1):
        ops.append(_meniscus_op(side, LOW))
    ligaments = {
        "acl": ((-8, 14, 12), (3, -10, -4), 4.0),
        "pcl": ((6, -4, 14), (0, 22, -12), 4.5),
        "mcl": ((45, 2, 30), (44, 0, -40), 3.0),
        "lcl": ((-42, 8, 28), (-34, 20, -26), 3.0),
    }
    for name, (start, end, radius) in ligaments.items():
        if name in findings and name in ("mcl", "lcl"):
            ops.append(_capsule_op(start, end, radius + 5.0, EDEMA, over=(FAT, MUSCLE)))
        if name in findings or (name == "acl" and "postoperative" in findings):
            if name in ("acl", "pcl") and "postoperative" not in findings:
                ops.append(_capsule_op(start, end, radius + 2.0, FLUID, over=(FAT, MUSCLE, LOW)))
            elif name in ("mcl", "lcl"):
                mid = tuple((a + b) / 2 for a, b in zip(start, end))
                ops.append(_capsule_op(start, end, radius + 1.5, LOW))
                ops.append(_ellipsoid_op(mid, (8, 8, 10), FLUID, over=(LOW,)))
            continue
        ops.append(_capsule_op(start, end, radius, LOW))

    for side, name in ((1, "meniscus_medial"), (-1, "meniscus_lateral")):
        if name in findings:
            ops.append(_meniscus_op(side, FLUID, posterior_only=True))
    if "cartilage" in findings:
        side = int(rng.choice([1, -1]))
        ops.append(
            _ellipsoid_op((side * 20, float(rng.uniform(-2, 8)), 0), (11, 11, 5), FLUID, over=(CARTILAGE,))
        )
    if "bone_marrow_edema" in findings:
        for _ in range(int(rng.integers(1, 3))):
            side = int(rng.choice([1, -1]))
            centre = (side * 20 + rng.uniform(-4, 4), rng.uniform(0, 12), rng.uniform(12, 22))
            ops.append(_ellipsoid_op(centre, tuple(rng.uniform(9, 13, size=3)), EDEMA, over=(MARROW,)))
    if "fracture" in findings:
        tilt = float(rng.uniform(-0.25, 0.25))
        level = float(rng.uniform(-20, -12))
        band = PaintOp(
            (-40, -30, -40),
            (40, 35, 0),
            lambda x, y, z: np.abs(z - level - tilt * x) < 5.0,
            EDEMA,
            over=(MARROW,),
        )
        line = PaintOp(
            (-40, -30, -40),
            (40, 35, 0),
            lambda x, y, z: np.abs(z - level - tilt * x) < 1.3,
            LOW,
            over=(MARROW, EDEMA),
        )
        ops += [band, line]
    if "effusion_baker_cyst" in findings:
        ops.append(_ellipsoid_op((0, -22, 38), (30, 9, 24), FLUID, over=(FAT, MUSCLE)))
        ops.append(_ellipsoid_op((18, 42, 0), (12, 10, 22), FLUID, over=(FAT, MUSCLE)))
    if "synovitis_bursitis" in findings:
        ops.append(_ellipsoid_op((0, -49, 24), (18, 4, 18), FLUID, over=(FAT,)))
        ops.append(_ellipsoid_op((0, -26, -4), (15, 8, 8), SYNOVIUM, over=(FAT,)))
    if "postoperative" in findings:
        ops.append(_capsule_op((-10, 14, 14), (-26, 26, 50), 5.0, LOW, over=(MARROW, CORTEX, CARTILAGE)))
        ops.append(_capsule_op((3, -10, -4), (10, -24, -45), 5.0, LOW, over=(MARROW, CORTEX, CARTILAGE)))
        for centre in ((-20, 22, 38), (8, -20, -32)):
            ops.append(_ellipsoid_op(centre, (8, 8, 8), METAL))
    if oa:
        for centre in ((40, 4, 6), (-39, 4, 6), (40, 3, -8), (-39, 3, -8)):
            ops += _bone_ops([("ellipsoid", centre, (6, 6, 5))], shell=1.5)
        for _ in range(3):
            ops.append(
                _ellipsoid_op(
                    (20 + rng.uniform(-8, 8), rng.uniform(-5, 10), -9), (3, 3, 3), FLUID, over=(MARROW,)
                )
            )
    return ops


def render_labels(plan: list[PaintOp], grid: Grid, scale: float) -> np.ndarray:
    """Replay ``plan`` on ``grid`` (knee scaled by ``scale``); returns uint8 labels (z, y, x)."""
    labels = np.zeros(grid.shape, dtype=np.uint8)
    half_z = grid.length_z / 2.0
    for op in plan:
        low = (op.low[0] * scale, op.low[1] * scale, op.low[2] * scale + half_z)
        high = (op.high[0] * scale, op.high[1] * scale, op.high[2] * scale + half_z)
        slices, x, y, z = grid.box(low, high)
        region = labels[slices]
        if region.size == 0:
            continue
        mask = np.broadcast_to(op.mask(x / scale, y / scale, (z - half_z) / scale), region.shape)
        if op.over is not None:
            mask = mask & np.isin(region, op.over)
        region[mask] = op.label
    return labels


def render_knee_mri(
    findings: set[str], rng: np.random.Generator, size: str = "small"
) -> dict[str, dict[str, Volume]]:
    """Draw one right-knee MRI study.

    Args:
        findings: ids from ``KNEE_FINDINGS`` (``normal`` draws nothing extra).
        rng: random generator for placement, knee size and noise.
        size: ``"small"`` (128 x 128 in-plane, 1.25 mm, 4 mm slices) or ``"full"`` (384 x 384, 0.42 mm, 3 mm).

    Returns:
        ``{plane: {sequence: Volume}}`` in canonical LPS orientation (thick slices along the plane normal).
    """
    unknown = set(findings) - set(KNEE_FINDINGS)
    if unknown:
        raise ValueError(f"unknown knee MRI findings {sorted(unknown)}; expected ids from {KNEE_FINDINGS}")
    if size not in KNEE_SIZES:
        raise ValueError(f"size must be one of {sorted(KNEE_SIZES)}; got {size!r}")
    plan = knee_plan(set(findings), rng)
    scale = float(rng.uniform(0.92, 1.08))
    study: dict[str, dict[str, Volume]] = {}
    for plane, grid in KNEE_SIZES[size].items():
        labels = render_labels(plan, grid, scale)
        origin = (*grid.origin()[:2], -grid.length_z / 2.0 + grid.spacing[2] / 2.0)
        study[plane] = {}
        for index, sequence in enumerate(SEQUENCES):
            signal = SIGNAL[labels, index]
            noisy = np.abs(
                signal + rng.standard_normal(signal.shape, dtype=np.float32) * np.float32(NOISE_SIGMA)
            )
            study[plane][sequence] = Volume(
                noisy.astype(np.float32),
                spacing=grid.spacing,
                origin=origin,
                modality="MR",
                metadata={
                    "series_description": f"{plane.upper()} {sequence}",
                    "sequence": sequence,
                    "plane": plane,
                },
            )
    return study
