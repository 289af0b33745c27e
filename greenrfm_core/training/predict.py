"""Scoring a dataset with a model: classifier probabilities and zero-shot probabilities per finding."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from greenrfm_core.data.dataset import collate_studies
from greenrfm_core.models import GreenRFMModel


@torch.no_grad()
def predict_scores(
    model: GreenRFMModel,
    dataset: Dataset,
    device: torch.device,
    batch_size: int = 4,
    prompt_latents: torch.Tensor | None = None,
    workers: int = 0,
) -> dict[str, np.ndarray]:
    """Run the image path over ``dataset``.

    Args:
        model: trained model.
        dataset: items with ``image`` (a tensor, or plane -> tensor for MRI) and ``labels``.
        device: device to run on.
        batch_size: studies per forward pass.
        prompt_latents: (K, 2, D) present/absent prompt latents for zero-shot scores, or ``None``.
        workers: DataLoader worker processes.

    Returns:
        ``labels`` (N, K) 1/0/-1, ``classifier`` (N, K) probabilities, and with prompts ``zero_shot`` (N, K)
        probabilities, in dataset order.
    """
    was_training = model.training
    model.eval()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers,
                        collate_fn=collate_studies)
    labels, classifier, zero_shot = [], [], []
    for batch in loader:
        image = batch["image"]
        if isinstance(image, dict):
            image = {plane: volume.to(device) for plane, volume in image.items()}
        else:
            image = image.to(device)
        out = model.image_forward(image)
        labels.append(batch["labels"].numpy())
        classifier.append(torch.sigmoid(out["logits"].float()).cpu().numpy())
        if prompt_latents is not None:
            logits = model.zero_shot_logits(out["latent"], prompt_latents.to(device))
            zero_shot.append(torch.sigmoid(logits.float()).cpu().numpy())
    model.train(was_training)
    result = {"labels": np.concatenate(labels), "classifier": np.concatenate(classifier)}
    if zero_shot:
        result["zero_shot"] = np.concatenate(zero_shot)
    return result
