"""Conversions between numpy arrays and the VTK objects the slice views draw."""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkRenderingCore import vtkRenderWindow, vtkWindowToImageFilter


def image_data_from_array(
    array: np.ndarray, spacing: tuple[float, float, float], copy: bool = True
) -> vtkImageData:
    """Build a vtkImageData from a voxel array.

    Args:
        array: voxels, shape ``(z, y, x)``; must be C-contiguous when ``copy`` is False.
        spacing: voxel size in mm along (x, y, z).
        copy: give VTK its own copy. Without it VTK reads ``array`` in place, which saves memory and time for
            large series, and the caller must keep ``array`` alive and unchanged while the image is shown.

    Returns:
        Image with dimensions (x, y, z), the given spacing and origin 0, so world x runs to the patient's
        left, y to posterior and z to superior, in mm from the centre of voxel ``[0, 0, 0]``.
    """
    if not copy and not array.flags["C_CONTIGUOUS"]:
        raise ValueError("image_data_from_array(copy=False) needs a C-contiguous array; pass copy=True")
    contiguous = np.ascontiguousarray(array)
    z, y, x = contiguous.shape
    image = vtkImageData()
    image.SetDimensions(x, y, z)
    image.SetSpacing(*spacing)
    image.SetOrigin(0.0, 0.0, 0.0)
    # VTK's flat point order is x fastest, then y, then z: the C order of a (z, y, x) array.
    scalars = numpy_support.numpy_to_vtk(contiguous.ravel(order="C"), deep=copy)
    scalars.SetName("voxels")
    image.GetPointData().SetScalars(scalars)
    return image


def heatmap_lookup_table() -> vtkLookupTable:
    """Return a blue-to-red table for heat maps in [0, 1] whose low values are transparent."""
    table = vtkLookupTable()
    table.SetNumberOfTableValues(256)
    table.SetRange(0.0, 1.0)
    table.SetHueRange(0.667, 0.0)
    table.SetSaturationRange(1.0, 1.0)
    table.SetValueRange(1.0, 1.0)
    table.Build()
    for index in range(256):
        value = index / 255.0
        red, green, blue, _ = table.GetTableValue(index)
        # Below 0.2 the map is background noise, so it stays clear; above, opacity ramps up to 1 at 0.6.
        alpha = float(np.clip((value - 0.2) / 0.4, 0.0, 1.0))
        table.SetTableValue(index, red, green, blue, alpha)
    return table


def capture_render_window(render_window: vtkRenderWindow) -> np.ndarray:
    """Read back the pixels VTK rendered, as uint8 RGB, shape ``(height, width, 3)``, row 0 at the top."""
    render_window.Render()
    grabber = vtkWindowToImageFilter()
    grabber.SetInput(render_window)
    grabber.SetInputBufferTypeToRGB()
    grabber.ReadFrontBufferOff()
    grabber.ShouldRerenderOff()
    grabber.Update()
    output = grabber.GetOutput()
    width, height, _ = output.GetDimensions()
    pixels = numpy_support.vtk_to_numpy(output.GetPointData().GetScalars())
    return np.flipud(pixels.reshape(height, width, -1)[:, :, :3]).copy()
