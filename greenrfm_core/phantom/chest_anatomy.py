"""Normal chest CT anatomy of the phantom, in Hounsfield units, with per-patient variation.

Layout (LPS, see ``geometry``): the heart sits left of the midline with its apex towards the patient's left,
the descending aorta runs left of the spine, the liver lies under the right hemidiaphragm and a small bone
block in the LEFT lateral body wall marks the patient's left. Findings that change anatomy before it is
drawn (cardiomegaly, pericardial effusion, airway disease, atelectasis) do so through ``ChestPatient``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from greenrfm_core.phantom.geometry import (
    Grid,
    ellipsoid,
    ellipsoid_box,
    paint,
    paint_capsule,
)

AIR, FAT, SOFT_TISSUE, BLOOD, LIVER, FLUID = -1000.0, -100.0, 40.0, 40.0, 60.0, 12.0
LUNG, BONE, CANCELLOUS, CONTRAST_BLOOD, TABLE, MARKER = -850.0, 700.0, 300.0, 250.0, 100.0, 1000.0

# Marker block in the left lateral body wall: (x offset inside the skin, y, z fraction), size (x, y, z) mm.
MARKER_SIZE = (6.0, 18.0, 24.0)
MARKER_Z_FRACTION = 0.55


@dataclass
class ChestPatient:
    """Per-patient body geometry; lengths in mm, ``*_fraction`` values relative to the scan length."""

    half_width: float
    half_depth: float
    centre_x: float
    centre_y: float
    fat_thickness: float
    heart_scale: float
    heart_shift_x: float
    diaphragm_fraction: float
    contrast: bool
    airway_targets: list = field(default_factory=list)
    # Changed by findings before drawing.
    heart_enlargement: float = 1.0
    pericardial_fluid_mm: float = 0.0
    airway_lumen_mm: float = 3.0
    airway_wall_mm: float = 1.2
    elevated_side: int = 0  # -1 right, +1 left: hemidiaphragm raised by atelectatic volume loss

    @classmethod
    def sample(cls, rng: np.random.Generator) -> ChestPatient:
        """Draw a plausible adult body habitus."""
        targets = []
        for side in (-1, 1):
            for fx, fy, fz in (
                (0.62, -0.35, 0.78),
                (0.72, 0.35, 0.8),
                (0.7, -0.4, 0.42),
                (0.62, 0.5, 0.3),
                (0.8, 0.1, 0.36),
                (0.55, 0.0, 0.9),
            ):
                jitter = rng.uniform(-0.06, 0.06, size=3)
                targets.append((side, fx + jitter[0], fy + jitter[1], fz + jitter[2] / 2))
        return cls(
            half_width=float(rng.uniform(138, 168)),
            half_depth=float(rng.uniform(96, 120)),
            centre_x=float(rng.uniform(-6, 6)),
            centre_y=float(rng.uniform(-8, 4)),
            fat_thickness=float(rng.uniform(8, 22)),
            heart_scale=float(rng.uniform(0.93, 1.05)),
            heart_shift_x=float(rng.uniform(-5, 5)),
            diaphragm_fraction=float(rng.uniform(0.13, 0.18)),
            contrast=bool(rng.random() < 0.5),
            airway_targets=targets,
        )


class ChestAnatomy:
    """Draws the normal chest into an HU array and records the landmarks that findings attach to."""

    def __init__(self, grid: Grid, patient: ChestPatient):
        self.grid = grid
        self.patient = patient
        p = patient
        # Body half-width (a) and half-depth (b) and the body centre (cx, cy), all in mm.
        self.a, self.b, self.cx, self.cy = p.half_width, p.half_depth, p.centre_x, p.centre_y
        self.length = grid.length_z

        lung_x = 0.5 * self.a
        self.lung_centres = {
            -1: (self.cx - lung_x, self.cy + 0.05 * self.b),
            1: (self.cx + lung_x, self.cy + 0.05 * self.b),
        }
        self.lung_radii = (0.36 * self.a, 0.72 * self.b)
        self.apex_z = 0.97 * self.length

        heart_radii = np.array([0.30 * self.a, 0.36 * self.b, 0.14 * self.length]) * p.heart_scale
        heart_radii *= np.array([p.heart_enlargement, p.heart_enlargement, 0.5 + 0.5 * p.heart_enlargement])
        self.heart_radii = tuple(float(r) for r in heart_radii)
        # An enlarged heart grows mostly towards the patient's left, as the left ventricle does.
        self.heart_centre = (
            self.cx + 0.12 * self.a + p.heart_shift_x + 0.3 * (heart_radii[0] - 0.3 * self.a * p.heart_scale),
            self.cy - 0.22 * self.b,
            self.diaphragm_z(1) + 0.72 * heart_radii[2],
        )

        # Aorta as (start, end, radius mm) capsules: ascending, arch, descending left of the spine.
        ascending_x, ascending_y = self.cx - 0.05 * self.a, self.cy - 0.2 * self.b
        arch_z = 0.8 * self.length
        x_aorta, y_aorta = self.cx + 0.22 * self.a, self.cy + 0.40 * self.b
        aortic_root = (ascending_x, ascending_y, self.heart_centre[2] + 0.5 * heart_radii[2])
        arch_start = (ascending_x, self.cy - 0.15 * self.b, arch_z)
        self.aorta_segments = [
            (aortic_root, arch_start, 15.0),
            (arch_start, (x_aorta, y_aorta, arch_z), 13.0),
            ((x_aorta, y_aorta, arch_z), (x_aorta, y_aorta, -10.0), 12.0),
        ]

        self.svc_top = (self.cx - 0.2 * self.a, self.cy - 0.1 * self.b, 0.82 * self.length)
        self.carina = (self.cx, self.cy + 0.1 * self.b, 0.68 * self.length)
        self.hila = {
            side: (self.cx + side * 0.33 * self.a, self.cy + 0.1 * self.b, 0.6 * self.length)
            for side in (-1, 1)
        }
        self.spine_y = self.cy + 0.5 * self.b
        self.lung = np.zeros(grid.shape, dtype=bool)
        self.airways: list[tuple[tuple, tuple]] = []

    # Geometry helpers ---------------------------------------------------------------------------------
    def diaphragm_z(self, side: int) -> float:
        """Height in mm of the dome of the right (-1) or left (+1) hemidiaphragm."""
        z = self.patient.diaphragm_fraction * self.length
        if side < 0:
            z += 0.03 * self.length
        if side == self.patient.elevated_side:
            z += 0.08 * self.length
        return z

    def lung_base(self, side: int, x, y):
        """Height of the lung base under (x, y): a dome, lowest laterally and in the posterior recess."""
        cx, cy = self.lung_centres[side]
        rx, ry = self.lung_radii
        radial = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
        return (
            self.diaphragm_z(side)
            - 0.06 * self.length * radial
            - 0.04 * self.length * np.clip((y - cy) / ry, 0, 1)
        )

    def lung_mask_function(self, side: int):
        cx, cy = self.lung_centres[side]
        rx, ry = self.lung_radii
        taper_start = 0.6 * self.length

        def mask(x, y, z):
            scale = np.sqrt(np.clip((self.apex_z - z) / (self.apex_z - taper_start), 0.0, 1.0))
            scale = np.where(z < taper_start, 1.0, scale) + 1e-3
            inside = ((x - cx) / (rx * scale)) ** 2 + ((y - cy) / (ry * scale)) ** 2 <= 1.0
            return inside & (z >= self.lung_base(side, x, y)) & (z <= self.apex_z)

        return mask

    def body_front_y(self, x: float) -> float:
        """y of the anterior skin surface at lateral position x."""
        t = np.clip((x - self.cx) / self.a, -0.99, 0.99)
        return float(self.cy - self.b * np.sqrt(1 - t**2))

    # Drawing -------------------------------------------------------------------------------------------
    def draw(self, volume: np.ndarray) -> None:
        """Draw the normal anatomy into ``volume`` (z, y, x), already filled with air."""
        g, p, L = self.grid, self.patient, self.length
        a, b, cx, cy = self.a, self.b, self.cx, self.cy
        full_z = (-1.0, L + 1.0)
        table_y = cy + b + 12.0
        paint(
            volume,
            g,
            (-0.9 * g.x[-1], table_y, full_z[0]),
            (0.9 * g.x[-1], table_y + 8, full_z[1]),
            lambda x, y, z: np.ones(np.broadcast_shapes(x.shape, y.shape, z.shape), bool),
            TABLE,
        )

        def body(shrink):
            return lambda x, y, z: (
                (np.abs((x - cx) / (a - shrink)) ** 2.3 + np.abs((y - cy) / (b - shrink)) ** 2.3 <= 1.0)
                & (z > -2)
            )

        paint(volume, g, (cx - a, cy - b, full_z[0]), (cx + a, cy + b, full_z[1]), body(0.0), FAT)
        paint(
            volume,
            g,
            (cx - a, cy - b, full_z[0]),
            (cx + a, cy + b, full_z[1]),
            body(p.fat_thickness),
            SOFT_TISSUE,
        )
        # Liver under the right hemidiaphragm.
        liver_top = self.diaphragm_z(-1)
        paint(
            volume,
            g,
            (cx - 0.85 * a, cy - 0.8 * b, -1),
            (cx + 0.2 * a, cy + 0.6 * b, liver_top),
            ellipsoid((cx - 0.3 * a, cy - 0.1 * b, liver_top - 0.5 * L), (0.62 * a, 0.72 * b, 0.5 * L)),
            LIVER,
        )

        for side in (-1, 1):
            lcx, lcy = self.lung_centres[side]
            rx, ry = self.lung_radii
            low, high = (lcx - rx, lcy - ry, 0.0), (lcx + rx, lcy + ry, L)
            paint(self.lung, g, low, high, self.lung_mask_function(side), True)
        volume[self.lung] = LUNG
        self._draw_lung_vessels(volume)

        fat_centre = (cx, cy - 0.1 * b, 0.55 * L)
        fat_radii = (0.2 * a, 0.6 * b, 0.38 * L)
        low, high = ellipsoid_box(fat_centre, fat_radii)
        paint(volume, g, low, high, ellipsoid(fat_centre, fat_radii), FAT, within=~self.lung)
        for centre in ((cx - 0.05 * a, cy + 0.05 * b, 0.74 * L), (cx + 0.1 * a, cy - 0.15 * b, 0.66 * L)):
            paint(volume, g, *ellipsoid_box(centre, (4.0,) * 3), ellipsoid(centre, (4.0,) * 3), SOFT_TISSUE)

    def draw_heart(self, volume: np.ndarray) -> None:
        """Draw pericardial fluid (when set), epicardial fat, myocardium and the blood pool."""
        g, p = self.grid, self.patient
        blood = CONTRAST_BLOOD if p.contrast else BLOOD
        layers = []
        if p.pericardial_fluid_mm > 0:
            layers.append((p.pericardial_fluid_mm + 3.0, FLUID))
        layers += [(3.0, FAT), (0.0, SOFT_TISSUE + 5), (-9.0, blood)]
        for grow, value in layers:
            radii = tuple(r + grow for r in self.heart_radii)
            paint(
                volume,
                g,
                *ellipsoid_box(self.heart_centre, radii),
                ellipsoid(self.heart_centre, radii),
                value,
            )

    def draw_vessels_and_airways(self, volume: np.ndarray) -> None:
        """Draw the aorta, SVC, oesophagus, trachea and bronchial tree."""
        g, p, L = self.grid, self.patient, self.length
        blood = CONTRAST_BLOOD if p.contrast else BLOOD
        for start, end, radius in self.aorta_segments:
            paint_capsule(volume, g, start, end, radius, blood)
        paint_capsule(
            volume, g, self.svc_top, (self.svc_top[0], self.svc_top[1], self.heart_centre[2] + 20), 9.0, blood
        )
        oesophagus = (self.cx + 0.05 * self.a, self.cy + 0.28 * self.b)
        paint_capsule(volume, g, (*oesophagus, -5.0), (*oesophagus, L + 5), 7.0, SOFT_TISSUE)

        trachea_top = (self.carina[0], self.carina[1] - 0.05 * self.b, L + 5)
        paint_capsule(volume, g, self.carina, trachea_top, 11.0, SOFT_TISSUE)
        paint_capsule(volume, g, self.carina, trachea_top, 9.0, AIR)
        for side, hilum in self.hila.items():
            paint_capsule(volume, g, self.carina, hilum, 8.0, SOFT_TISSUE)
            paint_capsule(volume, g, self.carina, hilum, 6.0, AIR)

        lumen, wall = p.airway_lumen_mm, p.airway_wall_mm
        for side, fx, fy, fz in p.airway_targets:
            hilum = self.hila[side]
            lcx, lcy = self.lung_centres[side]
            target = (lcx + side * (fx - 0.5) * self.a, lcy + fy * self.b, fz * L)
            self.airways.append((hilum, target))
            paint_capsule(volume, g, hilum, target, lumen + wall, SOFT_TISSUE, within=self.lung)
            paint_capsule(volume, g, hilum, target, lumen, AIR, within=self.lung)

    def draw_spine_ribs_marker(self, volume: np.ndarray) -> None:
        """Draw vertebrae with discs, spinal canal, ribs, sternum and the left-side marker."""
        g, L = self.grid, self.length
        a, b, cx, cy = self.a, self.b, self.cx, self.cy
        radius = 0.16 * b
        spine_y = self.spine_y
        paint_capsule(volume, g, (cx, spine_y, -5.0), (cx, spine_y, L + 5), radius, BONE)
        paint_capsule(volume, g, (cx, spine_y, -5.0), (cx, spine_y, L + 5), radius - 2.5, CANCELLOUS)
        for disc_z in np.arange(12.0, L, 28.0):
            paint_capsule(
                volume, g, (cx, spine_y, disc_z - 2.5), (cx, spine_y, disc_z + 2.5), radius - 0.5, 80.0
            )
        canal_y = spine_y + radius + 8.0
        paint_capsule(volume, g, (cx, canal_y + 8.0, -5.0), (cx, canal_y + 8.0, L + 5), 6.0, BONE)
        paint_capsule(
            volume, g, (cx, canal_y + 10.0, -5.0), (cx, min(cy + 0.86 * b, canal_y + 30.0), -5.0), 4.0, BONE
        )
        paint_capsule(volume, g, (cx, canal_y, -5.0), (cx, canal_y, L + 5), 8.0, 20.0)

        for rib_z in np.arange(0.1 * L, 0.95 * L, 0.085 * L):

            def rib(x, y, z, rib_z=rib_z):
                ring = np.sqrt(((x - cx) / a) ** 2 + ((y - cy) / b) ** 2)
                on_ring = np.abs(ring - 0.87) * b < 4.5
                level = np.abs(z - (rib_z + 14.0 * (y - cy) / b)) < 4.5
                gap = ((y - cy) < -0.6 * b) & (np.abs(x - cx) < 0.3 * a)
                return on_ring & level & ~gap & (np.abs(x - cx) > 0.12 * a)

            paint(volume, g, (cx - a, cy - b, rib_z - 20), (cx + a, cy + b, rib_z + 20), rib, BONE)
        front = self.body_front_y(cx)
        paint_capsule(volume, g, (cx, front + 14, 0.4 * L), (cx, front + 14, 0.88 * L), 6.0, 400.0)

        marker_x = cx + a - MARKER_SIZE[0] / 2 - 4.0
        marker_z = MARKER_Z_FRACTION * L
        low = (marker_x - MARKER_SIZE[0] / 2, cy - MARKER_SIZE[1] / 2, marker_z - MARKER_SIZE[2] / 2)
        high = (marker_x + MARKER_SIZE[0] / 2, cy + MARKER_SIZE[1] / 2, marker_z + MARKER_SIZE[2] / 2)
        paint(
            volume,
            g,
            low,
            high,
            lambda x, y, z: (
                (x >= low[0])
                & (x <= high[0])
                & (y >= low[1])
                & (y <= high[1])
                & (z >= low[2])
                & (z <= high[2])
            ),
            MARKER,
        )
        self.marker_centre = (marker_x, cy, marker_z)

    def _draw_lung_vessels(self, volume: np.ndarray) -> None:
        rng = np.random.default_rng(int(self.a * 1000 + self.b))
        for side, hilum in self.hila.items():
            lcx, lcy = self.lung_centres[side]
            for _ in range(8):
                target = (
                    lcx + side * rng.uniform(0, 0.25) * self.a,
                    lcy + rng.uniform(-0.5, 0.5) * self.b,
                    rng.uniform(0.25, 0.85) * self.length,
                )
                paint_capsule(volume, self.grid, hilum, target, 1.8, SOFT_TISSUE, within=self.lung)
