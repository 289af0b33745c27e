"""The aligned image-text model: encoders, linear projections, one shared finding classifier, zero-shot head.

Image path, kept linear after pooling so class-activation maps are exact::

    feature_map (B, F, z, y, x) --mean--> pooled (B, F) --W_proj--> latent (B, D) --W_cls--> logits (B, K)

Hence ``logits[:, k] = mean over voxels of (cam_weights[k] @ feature_map) + cam_bias[k]`` with
``cam_weights = W_cls @ W_proj`` (K, F), and the heat map of finding k is ``cam_weights[k] @ feature_map``
(for three-plane MRI each plane's map is additionally divided by the number of planes). The classifier sees
the unnormalised latent; the contrastive loss and the zero-shot head use the L2-normalised latent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from greenrfm_core.models.config import ArchitectureConfig
from greenrfm_core.models.mri import ThreePlaneEncoder
from greenrfm_core.models.resnet3d import ResNet3d18

ImageInput = torch.Tensor | dict[str, torch.Tensor]
MAX_LOGIT_SCALE = 100.0


class GreenRFMModel(nn.Module):
    """Image encoder, optional text encoder, shared latent space and shared finding classifier.

    Args:
        config: architecture.
        text_encoder: a module from :mod:`greenrfm_core.models.text`, or ``None`` for an image-only model
            (prediction and ONNX export need no text encoder).
    """

    def __init__(self, config: ArchitectureConfig, text_encoder: nn.Module | None = None) -> None:
        super().__init__()
        self.config = config
        if config.kind == "ct":
            self.image_encoder: nn.Module = ResNet3d18(
                config.in_channels, config.widths, config.stem_stride, config.checkpointing
            )
        else:
            self.image_encoder = ThreePlaneEncoder(
                config.planes, config.in_channels, config.widths, config.stem_stride, config.checkpointing
            )
        self.image_projection = nn.Linear(config.feature_dim, config.latent_dim)
        self.text_encoder = text_encoder
        self.text_projection = (
            nn.Linear(text_encoder.output_dim, config.latent_dim) if text_encoder is not None else None
        )
        self.classifier = nn.Linear(config.latent_dim, config.num_findings)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(config.logit_scale_init)))

    # Image path ---------------------------------------------------------------------------------------

    def image_features(self, x: ImageInput) -> torch.Tensor:
        """Return pooled image features, (B, widths[-1]). ``x`` is (B, C, Z, Y, X) or a plane -> tensor dict."""
        return self.image_encoder(x)[0]

    def image_forward(self, x: ImageInput) -> dict[str, Any]:
        """Run the whole image path.

        Args:
            x: CT volumes (B, C, Z, Y, X) in the preprocessing spec's [0, 1] scale, or for three-plane MRI a
                dict plane -> (B, sequences, Z, Y, X).

        Returns:
            ``latent`` (B, D) unnormalised, ``logits`` (B, K) of the shared classifier, and ``feature_map``:
            the last-stage map (B, F, z, y, x), or a dict plane -> map for MRI.
        """
        pooled, feature_map = self.image_encoder(x)
        latent = self.image_projection(pooled)
        return {"latent": latent, "logits": self.classifier(latent), "feature_map": feature_map}

    def cam_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(W_cls @ W_proj, W_cls @ b_proj + b_cls)``: (K, F) heat-map weights and (K,) logit bias."""
        w_proj, b_proj = self.image_projection.weight, self.image_projection.bias
        w_cls, b_cls = self.classifier.weight, self.classifier.bias
        return w_cls @ w_proj, w_cls @ b_proj + b_cls

    # Text path ----------------------------------------------------------------------------------------

    def _require_text(self) -> nn.Module:
        if self.text_encoder is None:
            raise RuntimeError("this model was built without a text encoder; load it with the text encoder")
        return self.text_encoder

    def tokenize(
        self, texts: Sequence[str], device: torch.device | str | None = None
    ) -> dict[str, torch.Tensor]:
        """Tokenize report texts into ``input_ids`` and ``attention_mask`` (B, L) on ``device``."""
        device = device or self.logit_scale.device
        return self._require_text().tokenize(texts, device)

    def text_latent(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Encode tokenized reports into the shared latent space, (B, D) unnormalised."""
        pooled = self._require_text()(input_ids, attention_mask)
        return self.text_projection(pooled)

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """Tokenize and encode report texts, (B, D) unnormalised latents."""
        tokens = self.tokenize(texts)
        return self.text_latent(tokens["input_ids"], tokens["attention_mask"])

    # Heads ------------------------------------------------------------------------------------------

    def classify(self, latent: torch.Tensor) -> torch.Tensor:
        """Apply the shared finding classifier to image or text latents (B, D), giving logits (B, K)."""
        return self.classifier(latent)

    def scale(self) -> torch.Tensor:
        """Inverse temperature of similarities, exp(logit_scale) clamped to at most 100 (as in CLIP)."""
        return self.logit_scale.exp().clamp(max=MAX_LOGIT_SCALE)

    def similarity_logits(self, image_latent: torch.Tensor, text_latent: torch.Tensor) -> torch.Tensor:
        """Scaled cosine similarities (B_image, B_text) for the image-text contrastive loss."""
        return self.scale() * F.normalize(image_latent, dim=-1) @ F.normalize(text_latent, dim=-1).T

    def zero_shot_logits(self, image_latent: torch.Tensor, prompt_latents: torch.Tensor) -> torch.Tensor:
        """Score each finding by comparing the image with its "present" and "absent" prompts.

        A softmax over the (present, absent) pair of scaled cosine similarities equals the sigmoid of their
        difference, so the returned logit goes through ``torch.sigmoid`` to give P(present).

        Args:
            image_latent: (B, D) image latents (normalised here).
            prompt_latents: (K, 2, D) prompt latents, index 0 "present" and 1 "absent" (normalised here).

        Returns:
            (B, K) zero-shot logits.
        """
        return zero_shot_logits(image_latent, prompt_latents, self.scale())

    @torch.no_grad()
    def encode_prompts(self, schema: Any, lang: str = "en") -> torch.Tensor:
        """Encode each finding's present/absent prompts of ``schema`` in language ``lang``.

        Returns:
            (K, 2, D) L2-normalised prompt latents in schema finding order.
        """
        pairs = prompt_pairs(schema, lang)
        texts = [text for pair in pairs for text in pair]
        latents = F.normalize(self.encode_texts(texts), dim=-1)
        return latents.reshape(len(pairs), 2, -1)


def zero_shot_logits(image_latent: torch.Tensor, prompt_latents: torch.Tensor, scale: torch.Tensor | float):
    """Return scale * (cos(image, present) - cos(image, absent)), (B, K); see ``GreenRFMModel.zero_shot_logits``."""
    image = F.normalize(image_latent, dim=-1)
    prompts = F.normalize(prompt_latents, dim=-1)
    similarity = torch.einsum("bd,kpd->bkp", image, prompts)
    return scale * (similarity[..., 0] - similarity[..., 1])


def _get(item: Any, key: str) -> Any:
    return item[key] if isinstance(item, dict) else getattr(item, key)


def prompt_pairs(schema: Any, lang: str = "en") -> list[tuple[str, str]]:
    """Return ``(present, absent)`` prompt texts per finding of a schema (dict or object) in language ``lang``.

    Falls back to English for a finding without prompts in ``lang``.
    """
    pairs = []
    for finding in _get(schema, "findings"):
        prompts = _get(finding, "prompts")
        by_lang = prompts.get(lang) or prompts.get("en")
        if not by_lang:
            raise ValueError(f"finding {_get(finding, 'id')!r} has no {lang!r} or 'en' prompts in the schema")
        pairs.append((by_lang["present"], by_lang["absent"]))
    return pairs
