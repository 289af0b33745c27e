"""The engine that ``Predictor(engine="auto")`` picks for each device and profile."""

import torch

from greenrfm_core.inference import default_engine


def test_cpu_default_follows_profile():
    cpu = torch.device("cpu")
    assert default_engine(cpu, "lite") == "torch"
    assert default_engine(cpu, "standard") == "onnx"


def test_gpu_default_is_torch():
    assert default_engine(torch.device("cuda", 0), "lite") == "torch"
    assert default_engine(torch.device("cuda", 0), "standard") == "torch"
    assert default_engine(torch.device("mps"), "standard") == "torch"
