"""Heat maps land where the preprocessing grid sampled the finding, for oblique and block-averaged series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from greenrfm_core.inference.heatmap import resample_to_source
from greenrfm_core.preprocess.transforms import resample_to_grid
from greenrfm_core.volume import Volume


def _oblique_direction(degrees: float) -> np.ndarray:
    angle = math.radians(degrees)
    return np.array([[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0], [0, 0, 1.0]])


def _world(volume: Volume, index_zyx) -> np.ndarray:
    index_xyz = np.asarray(index_zyx[::-1], dtype=float)
    return np.asarray(volume.origin) + np.asarray(volume.direction) @ (np.asarray(volume.spacing) * index_xyz)


@pytest.mark.parametrize(
    ("degrees", "spacing_xyz", "model_spacing_xyz"),
    [
        (0.0, (0.7, 0.7, 1.0), (2.0, 2.0, 3.0)),  # block averaging by 2 x 2 x 3 before sampling
        (20.0, (0.7, 0.7, 1.0), (2.0, 2.0, 3.0)),  # oblique and block-averaged
        (20.0, (1.5, 1.5, 2.5), (2.0, 2.0, 3.0)),  # oblique without block averaging
        (0.0, (0.8, 0.8, 1.2), None),  # fixed grid that follows the series' own axes
    ],
)
def test_heatmap_peak_lands_on_finding(degrees, spacing_xyz, model_spacing_xyz):
    array = np.full((60, 80, 80), -1000.0, np.float32)
    lesion_zyx = (35, 30, 50)
    z, y, x = lesion_zyx
    array[z - 2 : z + 3, y - 2 : y + 3, x - 2 : x + 3] = 400.0
    volume = Volume(array, spacing_xyz, origin=(-40.0, 25.0, 310.0), direction=_oblique_direction(degrees))
    model_shape_xyz = (32, 32, 24)

    image, _inside = resample_to_grid(volume, model_shape_xyz, model_spacing_xyz, pad_value=-1000.0)
    peak_model = np.unravel_index(int(image.argmax()), tuple(image.shape))
    cam = np.zeros(tuple(image.shape), np.float32)
    cam[peak_model] = 1.0
    heat = resample_to_source(cam, tuple(image.shape), volume, model_spacing_xyz)
    assert heat.shape == array.shape
    peak_source = np.unravel_index(int(heat.argmax()), heat.shape)

    distance = float(np.linalg.norm(_world(volume, peak_source) - _world(volume, lesion_zyx)))
    model_step = max(model_spacing_xyz) if model_spacing_xyz else max(
        np.asarray(array.shape[::-1]) * np.asarray(spacing_xyz) / np.asarray(model_shape_xyz)
    )
    assert distance <= model_step, f"heat map peak {distance:.1f} mm from the lesion"
