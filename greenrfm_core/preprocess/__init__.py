"""Task-aligned preprocessing: specs stored as JSON data, ``preprocess_volume``, ``preprocess_study`` and its cache."""

from greenrfm_core.preprocess.spec import (
    available_tasks,
    is_mri,
    load_spec,
    override_spec,
    plane_shape,
    spec_hash,
    validate_spec,
)
from greenrfm_core.preprocess.study import preprocess_study
from greenrfm_core.preprocess.transforms import preprocess_volume

__all__ = [
    "available_tasks",
    "is_mri",
    "load_spec",
    "override_spec",
    "plane_shape",
    "preprocess_study",
    "preprocess_volume",
    "spec_hash",
    "validate_spec",
]
