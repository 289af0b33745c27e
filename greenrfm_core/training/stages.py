"""The MUST stages: which parameters each trains and its loss.

* ``vision``: image encoder, image projection and the shared classifier on labels (masked BCE).
* ``text``: text encoder and text projection on labels through the shared classifier (masked BCE). When the
  vision stage ran first the classifier stays frozen, so report latents learn to land where image latents
  of the same findings already are; alone, the text stage trains the classifier too.
* ``align``: everything; symmetric image-report InfoNCE plus the classifier's BCE on image and on report
  latents.
* ``finetune``: image path on new labelled studies; ``linear`` trains only the classifier.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from greenrfm_core.models import GreenRFMModel
from greenrfm_core.training.distributed import gather_rows
from greenrfm_core.training.losses import info_nce, masked_bce

STAGES = ("vision", "text", "align", "finetune")
STAGE_ORDER_ALL = ("vision", "text", "align")
IMAGE_PREFIXES = ("image_encoder.", "image_projection.")
TEXT_PREFIXES = ("text_encoder.", "text_projection.")


def set_trainable(model: GreenRFMModel, stage: str, after_vision: bool = False, linear_probe: bool = False) -> int:
    """Freeze every parameter the stage does not train and return the number of trainable parameters."""
    for name, parameter in model.named_parameters():
        if stage == "vision":
            trainable = name.startswith(IMAGE_PREFIXES) or name.startswith("classifier.")
        elif stage == "text":
            trainable = name.startswith(TEXT_PREFIXES) or (name.startswith("classifier.") and not after_vision)
        elif stage == "align":
            trainable = True
        elif stage == "finetune":
            trainable = name.startswith("classifier.") or (
                not linear_probe and name.startswith(IMAGE_PREFIXES)
            )
        else:
            raise ValueError(f"Invalid stage {stage!r}; expected one of {', '.join(STAGES)}.")
        parameter.requires_grad_(trainable)
    if linear_probe:
        model.image_encoder.eval()
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _unwrap(module: nn.Module) -> GreenRFMModel:
    while hasattr(module, "module"):
        module = module.module
    return module


class MustForward(nn.Module):
    """Runs the image and/or text path of a model in one ``forward``, so a DDP wrapper sees every use.

    ``forward(image, reports)`` returns ``image_latent``/``image_logits`` when ``image`` is given,
    ``text_latent``/``text_logits`` when ``reports`` is given, and, when both are, the contrastive inputs:
    ``similarity`` (B, N) scaled cosine similarities of this rank's images against the reports of all N
    pairs on all ranks, ``text_to_image`` (B, N) the same for this rank's reports against all images, and
    ``pair_offset``, the column of this rank's first pair. In a single process N = B and the offset is 0.
    """

    def __init__(self, model: GreenRFMModel) -> None:
        super().__init__()
        self.module = model

    def forward(self, image: torch.Tensor | None = None, reports: list[str] | None = None) -> dict:
        model = self.module
        out: dict[str, torch.Tensor] = {}
        if image is not None:
            image_out = model.image_forward(image)
            out["image_latent"], out["image_logits"] = image_out["latent"], image_out["logits"]
        if reports is not None:
            tokens = model.tokenize(list(reports), model.logit_scale.device)
            out["text_latent"] = model.text_latent(tokens["input_ids"], tokens["attention_mask"])
            out["text_logits"] = model.classify(out["text_latent"])
        if image is not None and reports is not None:
            # One gather for both latents, so a pair's image and report rows travel together.
            image_latent, text_latent = out["image_latent"], out["text_latent"]
            pairs, offset = gather_rows(torch.cat([image_latent, text_latent], dim=1))
            all_images, all_texts = pairs.split([image_latent.shape[1], text_latent.shape[1]], dim=1)
            out["similarity"] = model.similarity_logits(image_latent, all_texts)
            out["text_to_image"] = model.similarity_logits(text_latent, all_images)
            out["pair_offset"] = offset
        return out


def make_loss(
    stage: str,
    pos_weight: torch.Tensor | None = None,
    align_bce_weight: float = 1.0,
) -> Callable:
    """Return ``loss_fn(module, batch) -> (loss, parts)`` for a stage.

    Args:
        stage: stage name.
        pos_weight: (K,) positive-class weights for the BCE terms, or ``None``.
        align_bce_weight: weight of each BCE term relative to the contrastive loss in ``align``.

    ``module`` is a :class:`MustForward` or its DDP wrapper.
    """

    def vision_loss(module, batch):
        out = module(image=batch["image"])
        loss = masked_bce(out["image_logits"], batch["labels"], _on(pos_weight, out["image_logits"]))
        return loss, {"bce_image": loss.detach()}

    def text_loss(module, batch):
        out = module(reports=batch["report"])
        loss = masked_bce(out["text_logits"], batch["labels"], _on(pos_weight, out["text_logits"]))
        return loss, {"bce_text": loss.detach()}

    def align_loss(module, batch):
        out = module(image=batch["image"], reports=batch["report"])
        # Under DDP the negatives are the micro-batches of all ranks. With gradient accumulation the
        # contrastive term still uses one micro-batch per rank, so fewer negatives than the effective batch.
        contrastive = _contrastive(out)
        weight = _on(pos_weight, out["image_logits"])
        bce_image = masked_bce(out["image_logits"], batch["labels"], weight)
        bce_text = masked_bce(out["text_logits"], batch["labels"], weight)
        loss = contrastive + align_bce_weight * (bce_image + bce_text)
        return loss, {"contrastive": contrastive.detach(), "bce_image": bce_image.detach(),
                      "bce_text": bce_text.detach()}

    losses = {"vision": vision_loss, "finetune": vision_loss, "text": text_loss, "align": align_loss}
    if stage not in losses:
        raise ValueError(f"Invalid stage {stage!r}; expected one of {', '.join(STAGES)}.")
    return losses[stage]


def contrastive_only_loss() -> Callable:
    """Return the plain image-report InfoNCE loss without label supervision (the ablation baseline)."""

    def loss_fn(module, batch):
        loss = _contrastive(module(image=batch["image"], reports=batch["report"]))
        return loss, {"contrastive": loss.detach()}

    return loss_fn


def _contrastive(out: dict) -> torch.Tensor:
    return info_nce(out["similarity"], out["text_to_image"], out["pair_offset"])


def _on(weight: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor | None:
    return None if weight is None else weight.to(like.device)
