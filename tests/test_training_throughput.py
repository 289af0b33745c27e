"""Device measurement of training speed: real optimizer steps of CT and three-plane MRI image models."""

from __future__ import annotations

import pytest
import torch

from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig
from greenrfm_core.training.throughput import measure_training_step

SMALL = (4, 8, 8, 8)


def test_measure_ct_step_reports_figures():
    config = ArchitectureConfig(kind="ct", profile="lite", widths=SMALL, num_findings=5,
                                text=TextEncoderConfig(kind="scratch", dim=16, heads=2, layers=1))
    calls = []
    measurement = measure_training_step(config, (16, 32, 32), torch.device("cpu"), batch_size=4, steps=2,
                                        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert measurement.profile == "lite"
    assert measurement.samples_per_s > 0
    assert measurement.micro_batch * measurement.accumulation >= 4
    assert measurement.precision == "fp32"
    assert measurement.peak_device_mb is None
    assert measurement.peak_host_mb > 0
    assert measurement.planned_mb > 0
    assert measurement.to_dict()["parameters"] == measurement.parameters > 0


def test_measure_mri_three_plane_step():
    config = ArchitectureConfig(kind="mri3plane", profile="standard", widths=SMALL, in_channels=2, num_findings=3,
                                text=TextEncoderConfig(kind="none"))
    measurement = measure_training_step(config, (16, 16, 16), torch.device("cpu"), batch_size=2, steps=1)
    assert measurement.profile == "standard"
    assert measurement.samples_per_s > 0


def test_measure_rejects_zero_steps():
    config = ArchitectureConfig(kind="ct", widths=SMALL, num_findings=2, text=TextEncoderConfig(kind="none"))
    with pytest.raises(ValueError, match="steps 0"):
        measure_training_step(config, (16, 32, 32), torch.device("cpu"), steps=0)
