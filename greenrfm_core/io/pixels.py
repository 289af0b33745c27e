"""Read one frame's stored pixel values and convert them to physical values (Hounsfield units for CT).

Uncompressed little-endian files take a fast path: the header scan records where the Pixel Data value starts,
so its bytes are read straight from the file without parsing the dataset again. Every other file (compressed, big endian, trailing elements) is decoded by pydicom, which uses pylibjpeg for JPEG,
JPEG-LS and JPEG 2000. ``pydicom.pixels.pixel_array`` returns stored values without the modality LUT, so the
rescale here is applied exactly once.
"""

from __future__ import annotations

import numpy as np
from pydicom.pixels import pixel_array
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from greenrfm_core.io.errors import UnreadableSeriesError
from greenrfm_core.io.headers import UNDEFINED_LENGTH, SliceHeader

NATIVE_TRANSFER_SYNTAXES = frozenset({str(ExplicitVRLittleEndian), str(ImplicitVRLittleEndian)})


def expected_pixel_bytes(header: SliceHeader) -> int:
    """Return the number of bytes one uncompressed frame occupies (before the even-length pad byte)."""
    bits = header.bits_allocated * header.rows * header.columns * header.samples_per_pixel
    return (bits + 7) // 8


def _stored_dtype(header: SliceHeader) -> np.dtype:
    kind = "i" if header.pixel_representation == 1 else "u"
    return np.dtype(f"<{kind}{header.bits_allocated // 8}")


def _read_native(header: SliceHeader) -> np.ndarray | None:
    """Read an uncompressed little-endian frame straight from the file, or return None for other layouts."""
    if header.transfer_syntax not in NATIVE_TRANSFER_SYNTAXES or header.bits_allocated not in (8, 16, 32):
        return None
    if header.samples_per_pixel != 1 or header.pixel_data_offset is None:
        return None
    frame_bytes = expected_pixel_bytes(header)
    if header.pixel_data_length is None or header.pixel_data_length < frame_bytes * header.number_of_frames:
        return None
    with open(header.path, "rb") as stream:
        stream.seek(header.pixel_data_offset + (header.frame or 0) * frame_bytes)
        data = stream.read(frame_bytes)
    if len(data) != frame_bytes:
        return None
    return np.frombuffer(data, dtype=_stored_dtype(header)).reshape(header.rows, header.columns)


def truncation_problem(header: SliceHeader) -> str | None:
    """Describe why a file's pixel data is incomplete, or return None when it looks complete.

    pydicom reads a truncated Pixel Data value without complaint, so the declared length is compared with the
    file size. Encapsulated (compressed) data has no declared length, so a damaged compressed file is only
    reported when its pixels are decoded.
    """
    if header.pixel_data_offset is None:
        return f"{header.path} has no Pixel Data element"
    length = header.pixel_data_length
    if length is None or length == UNDEFINED_LENGTH:
        return None
    available = header.file_size - header.pixel_data_offset
    if length > available:
        return (
            f"{header.path} is truncated: its Pixel Data declares {length} bytes but only {available} remain"
        )
    if header.transfer_syntax in NATIVE_TRANSFER_SYNTAXES:
        needed = expected_pixel_bytes(header) * header.number_of_frames
        if length < needed:
            return (
                f"{header.path} has {length} bytes of Pixel Data where Rows, Columns and Bits need {needed}"
            )
    return None


def read_stored_frame(header: SliceHeader) -> np.ndarray:
    """Return one frame's stored values, shape ``(rows, columns)``, without rescale.

    Raises:
        UnreadableSeriesError: when the pixel data is missing, damaged, in colour or cannot be decoded.
    """
    if header.samples_per_pixel != 1:
        raise UnreadableSeriesError(
            f"{header.path} is a colour image ({header.photometric}); only greyscale CT and MR can be loaded"
        )
    try:
        fast = _read_native(header)
        if fast is not None:
            return fast
        frame = pixel_array(header.path, index=header.frame if header.number_of_frames > 1 else None)
    except UnreadableSeriesError:
        raise
    except Exception as error:  # pydicom and its decoder plugins raise many unrelated types
        raise UnreadableSeriesError(
            f"pixel data of {header.path} could not be decoded ({type(error).__name__}: {error}); "
            "check that the file is complete and its transfer syntax is supported"
        ) from error
    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[0] == 1:
        frame = frame[0]
    if frame.shape != (header.rows, header.columns):
        raise UnreadableSeriesError(
            f"{header.path} decoded to shape {frame.shape} but Rows x Columns is {header.rows} x {header.columns}"
        )
    return frame


def stored_to_values(stored: np.ndarray, header: SliceHeader, out: np.ndarray) -> np.ndarray | None:
    """Convert stored values to physical values in ``out`` and return the padding mask.

    Steps, in order: keep only Bits Stored (sign-extending signed data), note Pixel Padding Value voxels,
    invert MONOCHROME1 over the stored range so brighter always means a higher value, then apply Rescale
    Slope and Intercept once.

    Args:
        stored: stored values, shape ``(rows, columns)``.
        header: the frame's header.
        out: float32 destination of the same shape.

    Returns:
        Boolean mask of padding voxels, or None when the frame has no padding value or no padded voxel.
    """
    values = stored
    bits = header.bits_stored
    if bits < header.bits_allocated and values.dtype.kind in "iu":
        if header.pixel_representation == 1:
            shift = values.dtype.itemsize * 8 - bits
            values = (values.astype(values.dtype) << shift) >> shift
        else:
            values = values & np.array((1 << bits) - 1, dtype=values.dtype)

    mask = None
    if header.padding_value is not None:
        low = header.padding_value
        high = header.padding_limit if header.padding_limit is not None else low
        low, high = min(low, high), max(low, high)
        mask = (values >= low) & (values <= high)
        if not mask.any():
            mask = None

    if header.photometric == "MONOCHROME1":
        # Reflect over the representable range of Bits Stored: signed data sums to -1, unsigned to 2**bits - 1.
        total = -1 if header.pixel_representation == 1 else (1 << bits) - 1
        values = total - values.astype(np.int64)

    if header.slope == 1.0:
        np.copyto(out, values, casting="unsafe")
    else:
        np.multiply(values, np.float32(header.slope), out=out, casting="unsafe")
    if header.intercept != 0.0:
        out += np.float32(header.intercept)
    return mask
