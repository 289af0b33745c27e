"""Construction of a :class:`GreenRFMModel` from an :class:`ArchitectureConfig`."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from greenrfm_core.models.aligned import GreenRFMModel
from greenrfm_core.models.config import ArchitectureConfig
from greenrfm_core.models.text import HFTextEncoder, ScratchTextEncoder, minilm_path


def build_text_encoder(
    config: ArchitectureConfig,
    tokenizer=None,
    text_folder: str | Path | None = None,
    pretrained: bool = True,
) -> nn.Module | None:
    """Build the text encoder that ``config.text`` describes.

    Args:
        config: architecture.
        tokenizer: the ``tokenizers.Tokenizer`` of a ``scratch`` encoder (required for that kind).
        text_folder: folder to read a Hugging Face encoder's config and tokenizer from, overriding the
            MiniLM package folder or ``config.text.path`` (a model folder's ``text_encoder/``).
        pretrained: load the Hugging Face weights from the folder; ``False`` when a model folder's
            safetensors file supplies them.
    """
    text = config.text
    if text.kind == "none":
        return None
    if text.kind == "scratch":
        if tokenizer is None:
            raise ValueError(
                "a scratch text encoder needs a tokenizer; train one with train_wordpiece_tokenizer"
            )
        return ScratchTextEncoder(tokenizer, text.max_len, text.dim, text.layers, text.heads)
    folder = text_folder or (minilm_path() if text.kind == "minilm" else text.path)
    return HFTextEncoder(folder, text.max_len, text.pooling, pretrained=pretrained)


def build_model(
    config: ArchitectureConfig,
    tokenizer=None,
    text_folder: str | Path | None = None,
    pretrained_text: bool = True,
    with_text: bool = True,
) -> GreenRFMModel:
    """Build a randomly initialised image encoder and the configured text encoder.

    The image encoder is always randomly initialised (no weight downloads). The MiniLM or local Hugging
    Face text encoder starts from its local weights when ``pretrained_text`` is set.

    Args:
        config: architecture.
        tokenizer: tokenizer of a ``scratch`` text encoder.
        text_folder: see :func:`build_text_encoder`.
        pretrained_text: load Hugging Face text weights from their folder.
        with_text: build the text encoder; ``False`` gives an image-only model for prediction.
    """
    text_encoder = build_text_encoder(config, tokenizer, text_folder, pretrained_text) if with_text else None
    return GreenRFMModel(config, text_encoder)
