"""Image encoders, text encoders and the aligned GreenRFM model.

Typical use::

    config = ArchitectureConfig(kind="ct", profile="lite", num_findings=18)
    model = build_model(config)
    out = model.image_forward(volumes)        # volumes: (B, 1, 96, 192, 192) in [0, 1]
    probabilities = out["logits"].sigmoid()   # (B, 18)
"""

from greenrfm_core.models.aligned import GreenRFMModel, prompt_pairs, zero_shot_logits
from greenrfm_core.models.build import build_model, build_text_encoder
from greenrfm_core.models.config import MRI_PLANES, RESNET18_WIDTHS, ArchitectureConfig, TextEncoderConfig
from greenrfm_core.models.mri import ThreePlaneEncoder
from greenrfm_core.models.resnet3d import ResNet3d18
from greenrfm_core.models.text import (
    HFTextEncoder,
    ScratchTextEncoder,
    load_wordpiece_tokenizer,
    minilm_path,
    train_wordpiece_tokenizer,
)

__all__ = [
    "MRI_PLANES",
    "RESNET18_WIDTHS",
    "ArchitectureConfig",
    "GreenRFMModel",
    "HFTextEncoder",
    "ResNet3d18",
    "ScratchTextEncoder",
    "TextEncoderConfig",
    "ThreePlaneEncoder",
    "build_model",
    "build_text_encoder",
    "load_wordpiece_tokenizer",
    "minilm_path",
    "prompt_pairs",
    "train_wordpiece_tokenizer",
    "zero_shot_logits",
]
