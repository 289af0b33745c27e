"""Three-plane MRI network: one 3D ResNet-18 per plane series, mean fusion of the pooled features."""

from __future__ import annotations

import torch
from torch import nn

from greenrfm_core.models.resnet3d import ResNet3d18


class ThreePlaneEncoder(nn.Module):
    """One encoder per plane (sagittal, coronal, axial), each taking the plane's sequences as channels.

    Args:
        planes: plane names in a fixed order; inputs are dicts keyed by these names.
        in_channels: number of sequences stacked as channels per plane.
        widths: stage widths of each encoder.
        stem_stride: stem kernel size and stride (4 lite, 2 standard).
        checkpointing: activation checkpointing per stage during training.
    """

    def __init__(
        self,
        planes: tuple[str, ...],
        in_channels: int,
        widths: tuple[int, int, int, int],
        stem_stride: int,
        checkpointing: bool = False,
    ) -> None:
        super().__init__()
        self.planes = tuple(planes)
        self.encoders = nn.ModuleDict(
            {plane: ResNet3d18(in_channels, widths, stem_stride, checkpointing) for plane in self.planes}
        )
        self.out_channels = widths[-1]

    def forward(self, volumes: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Encode each plane and average the pooled features.

        Args:
            volumes: plane name -> tensor (B, sequences, Z, Y, X); every plane in ``planes`` is required.

        Returns:
            ``(pooled, feature_maps)``: the mean of the per-plane pooled features, (B, widths[-1]), and the
            last-stage map of each plane.
        """
        missing = [plane for plane in self.planes if plane not in volumes]
        if missing:
            raise ValueError(f"missing MRI plane(s) {missing}; the model needs {list(self.planes)}")
        feature_maps = {plane: self.encoders[plane].feature_map(volumes[plane]) for plane in self.planes}
        pooled = torch.stack([fmap.mean(dim=(2, 3, 4)) for fmap in feature_maps.values()]).mean(dim=0)
        return pooled, feature_maps
