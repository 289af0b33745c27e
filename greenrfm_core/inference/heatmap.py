"""Class-activation heat maps mapped from the model grid back onto the source volume's voxels.

The image head is linear after global average pooling, so the heat map of finding k is exactly
``cam_weights[k] @ feature_map`` (see :mod:`greenrfm_core.models.aligned`). This module computes it from a
last-stage feature map (from PyTorch or ONNX) and resamples it onto the source Volume's own (z, y, x) grid.
The resampling inverts the preprocessing grid of :func:`greenrfm_core.preprocess.preprocess_volume`. That grid
is LPS-aligned, has ``spec["shape"]`` voxels at ``spec["spacing"]`` and is centred on the volume's centre.
When the spec has no spacing, the grid instead follows the volume's own index axes stretched over ``shape``.
Source voxels outside the model grid get 0.

The coarse feature grid spreads activation over air around the body when it is upsampled, so
:func:`mask_to_body` can zero voxels outside the body outline for display.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from greenrfm_core.preprocess.transforms import grid_geometry
from greenrfm_core.volume import Volume

# CT voxels at or below this value (HU) count as air. Lung parenchyma (about -850 HU) is below it too, but
# it lies inside the body outline, which body_mask fills slice by slice.
CT_AIR_THRESHOLD_HU = -500.0

# MR voxels below this fraction of the 99th intensity percentile count as background air.
MR_BACKGROUND_FRACTION = 0.05

# Source slices resampled per grid_sample call, which bounds the coordinate buffer to ~50 MB at 512x512.
SLICES_PER_CHUNK = 16


def class_activation(feature_map: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``weights @ feature_map`` over channels, (z, y, x), before ReLU.

    Args:
        feature_map: last-stage map (F, z, y, x) of one study.
        weights: (F,) heat-map weights of one finding (a row of ``W_cls @ W_proj``).
    """
    return np.tensordot(weights.astype(np.float32), feature_map.astype(np.float32), axes=(0, 0))


def resample_to_source(
    cam: np.ndarray,
    model_shape_zyx: tuple[int, int, int],
    volume: Volume,
    spacing_xyz,
) -> np.ndarray:
    """Resample a feature-grid heat map onto ``volume``'s (z, y, x) voxels (trilinear).

    Args:
        cam: heat map on the feature grid, (fz, fy, fx).
        model_shape_zyx: the model input grid (Z, Y, X); each feature voxel covers ``Z / fz`` etc. voxels.
        volume: the source volume (only its geometry is used).
        spacing_xyz: the spec's spacing in mm (x, y, z), or ``None`` for a fixed grid.

    Returns:
        float32 (z, y, x) in the source volume's shape, 0 outside the model's field of view.
    """
    model_shape_xyz = np.array(model_shape_zyx[::-1], dtype=float)
    feature_shape_xyz = np.array(cam.shape[::-1], dtype=float)
    stride = model_shape_xyz / feature_shape_xyz
    # The model grid is the preprocessing grid, so its geometry comes from the same function.
    model_to_world, model_origin = grid_geometry(volume, model_shape_xyz, spacing_xyz).output_to_world(
        model_shape_xyz
    )
    # source index (i, j, k) -> model index: inv(model_to_world) @ (world - model_origin)
    world_to_model = np.linalg.inv(model_to_world)
    source_to_world = np.asarray(volume.direction, dtype=float) @ np.diag(volume.spacing)
    to_model = world_to_model @ source_to_world
    model_offset = world_to_model @ (np.asarray(volume.origin, dtype=float) - model_origin)
    # model index -> feature index: a feature voxel's centre sits in the middle of its block of model voxels.
    to_feature = to_model / stride[:, None]
    feature_offset = (model_offset - (stride - 1) / 2.0) / stride

    if np.allclose(to_feature, np.diag(np.diag(to_feature))):
        return _resample_separable(
            cam, volume.array.shape, to_feature, feature_offset, to_model, model_offset
        )

    nz, ny, nx = volume.array.shape
    grid_input = torch.from_numpy(np.ascontiguousarray(cam, dtype=np.float32))[None, None]
    feature_sizes = torch.tensor(feature_shape_xyz, dtype=torch.float64)
    model_sizes = torch.tensor(model_shape_xyz, dtype=torch.float64)
    to_model_t = torch.tensor(to_model, dtype=torch.float64)
    model_offset_t = torch.tensor(model_offset, dtype=torch.float64)
    to_feature_t = torch.tensor(to_feature, dtype=torch.float64)
    feature_offset_t = torch.tensor(feature_offset, dtype=torch.float64)
    i = torch.arange(nx, dtype=torch.float64)
    j = torch.arange(ny, dtype=torch.float64)
    result = np.zeros((nz, ny, nx), dtype=np.float32)
    for start in range(0, nz, SLICES_PER_CHUNK):
        k = torch.arange(start, min(start + SLICES_PER_CHUNK, nz), dtype=torch.float64)
        ijk = torch.stack(torch.meshgrid(i, j, k, indexing="xy"), dim=-1)  # (ny, nx, nk, 3)
        ijk = ijk.permute(2, 0, 1, 3)  # (nk, ny, nx, 3)
        model_index = ijk @ to_model_t.T + model_offset_t
        inside = ((model_index >= -0.5) & (model_index <= model_sizes - 0.5)).all(dim=-1)
        feature_index = ijk @ to_feature_t.T + feature_offset_t
        grid = torch.where(
            feature_sizes > 1, 2.0 * feature_index / (feature_sizes - 1).clamp(min=1) - 1.0, torch.zeros(())
        )
        sampled = F.grid_sample(
            grid_input, grid[None].float(), mode="bilinear", padding_mode="border", align_corners=True
        )[0, 0]
        result[start : start + len(k)] = torch.where(inside, sampled, torch.zeros(())).numpy()
    return result


def _axis_weights(
    count: int,
    scale: float,
    offset: float,
    size: int,
    inside_scale: float,
    inside_offset: float,
    model_size: int,
) -> np.ndarray:
    """Return the (count, size) linear-interpolation matrix of one axis, rows outside the model grid zeroed."""
    position = np.clip(scale * np.arange(count) + offset, 0.0, size - 1.0)
    lower = np.floor(position).astype(int)
    upper = np.minimum(lower + 1, size - 1)
    fraction = (position - lower).astype(np.float32)
    weights = np.zeros((count, size), dtype=np.float32)
    rows = np.arange(count)
    np.add.at(weights, (rows, lower), 1.0 - fraction)
    np.add.at(weights, (rows, upper), fraction)
    model_index = inside_scale * np.arange(count) + inside_offset
    weights[(model_index < -0.5) | (model_index > model_size - 0.5)] = 0.0
    return weights


def _resample_separable(
    cam, source_shape_zyx, to_feature, feature_offset, to_model, model_offset
) -> np.ndarray:
    """Resample an axis-aligned mapping as three 1D interpolations, which is far cheaper than grid_sample."""
    nz, ny, nx = source_shape_zyx
    fz, fy, fx = cam.shape
    weights = []
    for axis, (count, size) in enumerate(((nx, fx), (ny, fy), (nz, fz))):
        # The feature stride is the ratio of the model-index and feature-index scales along this axis.
        model_size = round(size * to_model[axis, axis] / to_feature[axis, axis])
        weights.append(
            _axis_weights(
                count,
                to_feature[axis, axis],
                feature_offset[axis],
                size,
                to_model[axis, axis],
                model_offset[axis],
                model_size,
            )
        )
    wx, wy, wz = weights
    heat = np.asarray(cam, dtype=np.float32) @ wx.T  # (fz, fy, nx)
    heat = np.einsum("yf,zfx->zyx", wy, heat, optimize=True)  # (fz, ny, nx)
    return np.tensordot(wz, heat, axes=(1, 0)).astype(np.float32, copy=False)  # (nz, ny, nx)


def normalise(heat: np.ndarray) -> np.ndarray:
    """Apply ReLU and scale to [0, 1] by the maximum; an all-non-positive map becomes all zeros."""
    heat = np.maximum(heat, 0.0, dtype=np.float32)
    peak = float(heat.max()) if heat.size else 0.0
    return heat / peak if peak > 0 else heat


def body_mask(volume: Volume) -> np.ndarray:
    """Return a bool (z, y, x) mask of the voxels inside the body outline of ``volume``.

    A voxel is tissue when it is above ``CT_AIR_THRESHOLD_HU`` (CT) or above ``MR_BACKGROUND_FRACTION`` of
    the 99th intensity percentile (MR). A series of unknown modality (NIfTI) counts as CT when it has values
    at or below the air threshold. The body is the largest connected tissue region, which leaves out the
    patient table. Holes inside each axial outline, such as the air-filled lungs, are filled.
    """
    from scipy import ndimage

    array = np.asarray(volume.array)
    modality = volume.modality.upper()
    is_ct = modality == "CT" or (modality != "MR" and float(array.min()) <= CT_AIR_THRESHOLD_HU)
    if is_ct:
        tissue = array > CT_AIR_THRESHOLD_HU
    else:
        tissue = array > MR_BACKGROUND_FRACTION * float(np.percentile(array, 99))
    labels, count = ndimage.label(tissue)
    if count > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        tissue = labels == int(np.argmax(sizes))
    mask = np.empty(tissue.shape, dtype=bool)
    for index in range(tissue.shape[0]):
        mask[index] = ndimage.binary_fill_holes(tissue[index])
    return mask


def mask_to_body(heat: np.ndarray, volume: Volume) -> np.ndarray:
    """Zero a (z, y, x) heat map outside the body outline of ``volume`` and rescale it to [0, 1] again."""
    masked = np.where(body_mask(volume), heat, 0.0).astype(np.float32, copy=False)
    return normalise(masked)
