"""MUST losses: masked binary cross-entropy on finding labels and the symmetric image-text InfoNCE loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, pos_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy over certain labels only.

    Uncertain labels (-1) contribute nothing to the loss or its gradient. The mean is over the certain
    entries, so batches with many uncertain labels are not down-weighted.

    Args:
        logits: (B, K) classifier logits.
        labels: (B, K) with 1 present, 0 absent, -1 uncertain.
        pos_weight: optional (K,) weight of the positive term per finding (negatives / positives).

    Returns:
        Scalar loss; 0 (with a gradient path) when no label in the batch is certain.
    """
    labels = labels.to(logits.dtype)
    mask = (labels >= 0).to(logits.dtype)
    targets = labels.clamp(min=0)
    losses = F.binary_cross_entropy_with_logits(
        logits.float(), targets.float(), pos_weight=pos_weight, reduction="none"
    )
    return (losses * mask).sum() / mask.sum().clamp(min=1.0)


def info_nce(
    similarity: torch.Tensor, text_to_image: torch.Tensor | None = None, offset: int = 0
) -> torch.Tensor:
    """Symmetric contrastive (InfoNCE, CLIP) loss over matched image-report pairs.

    Args:
        similarity: (B, N) scaled cosine similarities of this batch's images against N reports; the report
            paired with image i is column ``offset + i``. For a single process N = B and offset = 0.
        text_to_image: (B, N) similarities of this batch's reports against N images, or ``None`` when N = B
            and it is ``similarity.T``.
        offset: column of the first pair; non-zero when the columns hold the batches of several ranks.

    Returns:
        Mean of the image-to-text and text-to-image cross-entropies.
    """
    if text_to_image is None:
        if similarity.shape[0] != similarity.shape[1]:
            raise ValueError(
                f"invalid similarity shape {tuple(similarity.shape)}: pass text_to_image when it is not square"
            )
        text_to_image = similarity.T
    targets = torch.arange(similarity.shape[0], device=similarity.device) + offset
    return 0.5 * (F.cross_entropy(similarity.float(), targets) + F.cross_entropy(text_to_image.float(), targets))


def positive_class_weights(labels: torch.Tensor, max_weight: float = 10.0) -> torch.Tensor:
    """Return per-finding positive weights negatives/positives from certain labels, clipped to [1, max_weight].

    Args:
        labels: (N, K) training labels with 1/0/-1.
    """
    positives = (labels == 1).sum(dim=0).float()
    negatives = (labels == 0).sum(dim=0).float()
    weights = negatives / positives.clamp(min=1.0)
    return weights.clamp(min=1.0, max=max_weight)
