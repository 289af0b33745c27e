"""Drawing of the 18 chest CT findings on top of the normal phantom anatomy.

Each finding is made obvious at 4-8 mm voxels (48^3 to 96^3 after preprocessing) and gets its own place or
density, so a small 3D CNN can tell them apart. Small findings (nodules, nodes, calcified plaques, wires,
septa, fibrotic bands, bullae) are drawn 5 mm or more across, so each still changes voxels of a 7.5 mm grid.
The chest window (-1000 to 200 HU) clips calcium and metal to the value of dense soft tissue. So only their
size and the darker fat or lung around them keep them visible. The finding groups differ by place and
density: calcium on the aortic wall versus on the heart surface, layering posterior fluid (pleural effusion)
versus a basal anterior-lateral wedge (atelectasis) versus a mid-lung region with air bronchograms
(consolidation), and so on.
"""

from __future__ import annotations

import itertools

import numpy as np

from greenrfm_core.phantom.chest_anatomy import AIR, FLUID, SOFT_TISSUE, ChestAnatomy, ChestPatient
from greenrfm_core.phantom.geometry import ellipsoid, ellipsoid_box, paint, paint_capsule, paint_sphere

CHEST_FINDINGS = (
    "medical_material",
    "arterial_wall_calcification",
    "cardiomegaly",
    "pericardial_effusion",
    "coronary_artery_wall_calcification",
    "hiatal_hernia",
    "lymphadenopathy",
    "emphysema",
    "atelectasis",
    "lung_nodule",
    "lung_opacity",
    "pulmonary_fibrotic_sequela",
    "pleural_effusion",
    "mosaic_attenuation_pattern",
    "peribronchial_thickening",
    "consolidation",
    "bronchiectasis",
    "interlobular_septal_thickening",
)

METAL, CALCIUM = 3000.0, 900.0


def adjust_patient(patient: ChestPatient, findings: set[str], rng: np.random.Generator) -> None:
    """Apply the findings that change anatomy before it is drawn (heart size, pericardium, airways)."""
    if "cardiomegaly" in findings:
        patient.heart_enlargement = float(rng.uniform(1.35, 1.5))
    if "pericardial_effusion" in findings:
        patient.pericardial_fluid_mm = float(rng.uniform(12, 18))
    if "bronchiectasis" in findings:
        patient.airway_lumen_mm = float(rng.uniform(7.0, 8.5))
        patient.airway_wall_mm = 2.5
    if "peribronchial_thickening" in findings:
        patient.airway_wall_mm = float(rng.uniform(4.5, 6.0))
    if "atelectasis" in findings:
        patient.elevated_side = int(rng.choice([-1, 1]))


def _random_lung_point(
    anatomy: ChestAnatomy, rng, side=None, z_range=(0.3, 0.8), y_range=(-0.5, 0.5), x_range=(-0.55, 0.55)
):
    side = side if side is not None else int(rng.choice([-1, 1]))
    lcx, lcy = anatomy.lung_centres[side]
    rx, ry = anatomy.lung_radii
    for _ in range(50):
        point = (
            lcx + rng.uniform(*x_range) * rx,
            lcy + rng.uniform(*y_range) * ry,
            rng.uniform(*z_range) * anatomy.length,
        )
        if anatomy.lung_mask_function(side)(np.float32(point[0]), np.float32(point[1]), np.float32(point[2])):
            return point
    return (lcx, lcy, 0.5 * anatomy.length)


def draw_mediastinal(anatomy: ChestAnatomy, volume: np.ndarray, findings: set[str], rng) -> None:
    """Draw lymph nodes and a hiatal hernia. Call it after the mediastinal fat and heart, before vessels."""
    g, a, b, cx, cy, L = anatomy.grid, anatomy.a, anatomy.b, anatomy.cx, anatomy.cy, anatomy.length
    if "lymphadenopathy" in findings:
        stations = [
            (-0.1, 0.02, 0.74),
            (0.1, 0.0, 0.7),
            (0.0, 0.22, 0.6),
            (-0.15, 0.08, 0.6),
            (0.15, 0.1, 0.58),
            (0.0, -0.38, 0.72),
        ]
        chosen = rng.choice(len(stations), size=int(rng.integers(3, 6)), replace=False)
        for index in chosen:
            fx, fy, fz = stations[index]
            paint_sphere(
                volume, g, (cx + fx * a, cy + fy * b, fz * L), float(rng.uniform(14, 18)), SOFT_TISSUE
            )
    if "hiatal_hernia" in findings:
        radius = float(rng.uniform(22, 30))
        centre = (cx + 0.08 * a, cy + 0.25 * b, anatomy.diaphragm_z(1) + radius * 0.8)
        paint_sphere(volume, g, centre, radius, SOFT_TISSUE)
        # Supine patient: gas rises anteriorly (smaller y) and fluid layers posteriorly.
        inner = radius - 3.5
        low, high = ellipsoid_box(centre, (inner,) * 3)
        paint(
            volume,
            g,
            low,
            high,
            lambda x, y, z: ellipsoid(centre, (inner,) * 3)(x, y, z) & (y < centre[1] + 4),
            AIR,
        )
        paint(
            volume,
            g,
            low,
            high,
            lambda x, y, z: ellipsoid(centre, (inner,) * 3)(x, y, z) & (y >= centre[1] + 4),
            FLUID,
        )


def draw_after_anatomy(anatomy: ChestAnatomy, volume: np.ndarray, findings: set[str], rng) -> dict:
    """Draw the parenchymal, pleural, calcified and metallic findings and return landmarks for tests."""
    g, a, cx, L = anatomy.grid, anatomy.a, anatomy.cx, anatomy.length
    lung = anatomy.lung
    landmarks: dict = {}

    if "mosaic_attenuation_pattern" in findings:
        # Geographic patches: the sign of a sum of three plane waves (wavelength 70-100 mm) in random
        # directions, so lobular regions alternate between -620 HU and -960 HU.
        region = np.nonzero(lung & (volume < -800))
        points = np.stack([g.x[region[2]], g.y[region[1]], g.z[region[0]]], axis=1)
        directions = rng.normal(size=(3, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        wave_numbers = 2 * np.pi / rng.uniform(70, 100, size=(3, 1))
        phases = rng.uniform(0, 2 * np.pi, size=3)
        pattern = np.cos(points @ (directions * wave_numbers).T + phases).sum(axis=1)
        volume[region] = np.where(pattern > 0, -620.0, -960.0).astype(np.float32)

    if "emphysema" in findings:
        # Upper-zone bullae of 10-16 mm radius: lung at -850 HU darkens by only 150 HU, so area carries it.
        for _ in range(int(rng.integers(20, 30))):
            centre = _random_lung_point(anatomy, rng, z_range=(0.55, 0.92))
            paint_sphere(volume, g, centre, float(rng.uniform(10, 16)), -1000.0, within=lung)

    if "interlobular_septal_thickening" in findings:
        x, y, z = g.x[None, None, :], g.y[None, :, None], g.z[:, None, None]
        period, half_width = 16.0, 2.4
        lines = (
            (np.abs(((x + rng.uniform(0, period)) % period) - period / 2) < half_width)
            | (np.abs(((y + rng.uniform(0, period)) % period) - period / 2) < half_width)
            | (np.abs(((z + rng.uniform(0, period)) % period) - period / 2) < half_width)
        )
        septa = lung & lines & (z < 0.75 * L)
        volume[septa] = -150.0

    if "pulmonary_fibrotic_sequela" in findings:
        for _ in range(int(rng.integers(5, 9))):
            side = int(rng.choice([-1, 1]))
            start = _random_lung_point(
                anatomy,
                rng,
                side=side,
                z_range=(0.55, 0.88),
                x_range=(0.2, 0.8) if side > 0 else (-0.8, -0.2),
            )
            direction = rng.normal(size=3)
            direction /= np.linalg.norm(direction)
            end = tuple(s + d * rng.uniform(35, 60) for s, d in zip(start, direction))
            paint_capsule(volume, g, start, end, 5.0, 0.0, within=lung)

    if "lung_opacity" in findings:
        for _ in range(int(rng.integers(1, 4))):
            centre = _random_lung_point(anatomy, rng, z_range=(0.4, 0.8))
            radii = tuple(float(r) for r in rng.uniform(20, 32, size=3))
            paint(volume, g, *ellipsoid_box(centre, radii), ellipsoid(centre, radii), -500.0, within=lung)

    if "lung_nodule" in findings:
        for _ in range(int(rng.integers(2, 5))):
            centre = _random_lung_point(anatomy, rng, z_range=(0.3, 0.85), x_range=(-0.5, 0.5))
            paint_sphere(volume, g, centre, float(rng.uniform(9, 13)), SOFT_TISSUE, within=lung)

    if "consolidation" in findings:
        side = int(rng.choice([-1, 1]))
        centre = _random_lung_point(anatomy, rng, side=side, z_range=(0.35, 0.55), y_range=(-0.55, -0.25))
        radii = (float(rng.uniform(28, 38)), float(rng.uniform(22, 30)), float(rng.uniform(28, 40)))
        region = np.zeros(g.shape, dtype=bool)
        paint(region, g, *ellipsoid_box(centre, radii), ellipsoid(centre, radii), True, within=lung)
        volume[region] = 30.0
        for _ in range(2):
            end = tuple(c + r * d for c, r, d in zip(centre, radii, rng.uniform(-0.8, 0.8, size=3)))
            paint_capsule(volume, g, centre, end, 2.2, AIR, within=region)

    if "atelectasis" in findings:
        side = anatomy.patient.elevated_side or -1
        lcx, lcy = anatomy.lung_centres[side]
        rx, ry = anatomy.lung_radii
        height = float(rng.uniform(30, 42))

        def wedge(x, y, z):
            above_base = z - anatomy.lung_base(side, x, y)
            lateral = np.clip(side * (x - lcx) / rx + 0.6, 0.0, 1.6) / 1.6
            return (above_base < height * lateral) & (y < lcy + 0.25 * ry)

        paint(
            volume,
            g,
            (lcx - rx, lcy - ry, 0),
            (lcx + rx, lcy + ry, anatomy.diaphragm_z(side) + height),
            wedge,
            25.0,
            within=lung,
        )

    if "pleural_effusion" in findings:
        sides = [-1, 1] if rng.random() < 0.5 else [int(rng.choice([-1, 1]))]
        landmarks["pleural_effusion_sides"] = sides
        for side in sides:
            lcx, lcy = anatomy.lung_centres[side]
            rx, ry = anatomy.lung_radii
            depth = float(rng.uniform(0.4, 0.55))
            top = float(rng.uniform(0.45, 0.55)) * L

            def layering(x, y, z, lcy=lcy, ry=ry, depth=depth, top=top):
                # Fluid fills the dependent (posterior) pleural space, and the layer thins towards its top.
                level = lcy + ry * (1.0 - 2.0 * depth * np.clip((top - z) / (0.5 * top), 0.0, 1.0))
                return (y >= level) & (z < top)

            paint(volume, g, (lcx - rx, lcy, 0), (lcx + rx, lcy + ry, top), layering, FLUID, within=lung)

    if "arterial_wall_calcification" in findings:
        for _ in range(int(rng.integers(10, 18))):
            start, end, radius = anatomy.aorta_segments[int(rng.choice([1, 2, 2]))]
            t = rng.uniform(0.05, 0.9)
            point = np.asarray(start) + t * (np.asarray(end) - np.asarray(start))
            axis = np.asarray(end) - np.asarray(start)
            offset = np.cross(axis, rng.normal(size=3))
            offset *= radius / (np.linalg.norm(offset) + 1e-6)
            paint_sphere(volume, g, tuple(point + offset), float(rng.uniform(6.0, 7.5)), CALCIUM)

    if "coronary_artery_wall_calcification" in findings:
        hx, hy, hz = anatomy.heart_centre
        rx, ry, rz = anatomy.heart_radii
        for _ in range(int(rng.integers(8, 13))):
            azimuth = rng.uniform(-0.9 * np.pi, -0.1 * np.pi)
            elevation = rng.uniform(0.0, 0.8)
            direction = np.array(
                [np.cos(azimuth) * np.cos(elevation), np.sin(azimuth) * np.cos(elevation), np.sin(elevation)]
            )
            point = (hx + rx * direction[0], hy + ry * direction[1], hz + rz * direction[2])
            paint_sphere(volume, g, point, float(rng.uniform(6.0, 7.5)), CALCIUM)

    if "medical_material" in findings:
        side = int(rng.choice([-1, 1]))
        gen_x = cx + side * 0.45 * a
        gen_y = anatomy.body_front_y(gen_x) + 9.0
        gen_z = 0.78 * L
        paint(
            volume,
            g,
            (gen_x - 22, gen_y - 5, gen_z - 20),
            (gen_x + 22, gen_y + 5, gen_z + 20),
            lambda x, y, z: np.ones(np.broadcast_shapes(x.shape, y.shape, z.shape), bool),
            METAL,
        )
        hx, hy, hz = anatomy.heart_centre
        rx, ry, rz = anatomy.heart_radii
        path = [
            (gen_x, gen_y, gen_z),
            anatomy.svc_top,
            (anatomy.svc_top[0], anatomy.svc_top[1], hz + 10),
            (hx - 0.2 * rx, hy - 0.4 * ry, hz - 0.3 * rz),
        ]
        for start, end in itertools.pairwise(path):
            paint_capsule(volume, g, start, end, 3.5, METAL)
    return landmarks
