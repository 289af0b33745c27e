"""3D ResNet-18 image encoder with a task-aligned stem.

The stem is one convolution whose kernel equals its stride, with no max-pool after it:

* ``lite``: 4x4x4 kernel, stride 4. A 96x192x192 chest CT becomes 24x48x48 after the stem and a 3x6x6
  last-stage map. This is the cheap profile for large field-of-view CT.
* ``standard``: 2x2x2 kernel, stride 2. The same input gives a 6x12x12 last-stage map, so small findings keep
  more voxels, at about 8x the compute of ``lite``.

A non-overlapping patch stem replaces ResNet's 7x7 stride-2 convolution plus max-pool. It reaches the same
downsampling with one cheap layer. Each last-stage voxel then covers an exact block of input voxels when the
input size is a multiple of the total stride, so heat maps map back onto the input grid without offsets. Stages use BasicBlocks (2-2-2-2) with stride 1, 2, 2, 2.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


class BasicBlock3d(nn.Module):
    """Two 3x3x3 convolutions with batch norm and an identity (or 1x1x1 projection) shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm3d(out_channels)
        self.conv2 = nn.Conv3d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv3d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm3d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet3d18(nn.Module):
    """3D ResNet-18 encoder returning the last-stage feature map and its global average.

    Args:
        in_channels: input channels (1 for CT, number of MRI sequences).
        widths: channel widths of the four stages.
        stem_stride: kernel size and stride of the stem convolution (4 for lite, 2 for standard).
        checkpointing: recompute each stage during backward to save activation memory in training.
    """

    def __init__(
        self,
        in_channels: int = 1,
        widths: tuple[int, int, int, int] = (64, 128, 256, 512),
        stem_stride: int = 4,
        checkpointing: bool = False,
    ) -> None:
        super().__init__()
        self.stem_stride = stem_stride
        self.checkpointing = checkpointing
        self.stem = nn.Sequential(
            nn.Conv3d(in_channels, widths[0], stem_stride, stride=stem_stride, bias=False),
            nn.BatchNorm3d(widths[0]),
            nn.ReLU(inplace=True),
        )
        stages = []
        previous = widths[0]
        for index, width in enumerate(widths):
            stride = 1 if index == 0 else 2
            stages.append(nn.Sequential(BasicBlock3d(previous, width, stride), BasicBlock3d(width, width)))
            previous = width
        self.stages = nn.ModuleList(stages)
        self.out_channels = widths[-1]
        self._init_weights()

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm3d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        # Zero-init the last batch norm of each residual branch so every block starts as an identity,
        # which makes small-batch training of deep 3D nets more stable (Goyal et al., 2017).
        for module in self.modules():
            if isinstance(module, BasicBlock3d):
                nn.init.zeros_(module.bn2.weight)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """Compute the last-stage feature map.

        Args:
            x: volumes, shape (B, C, Z, Y, X). A spatial size that is not a multiple of ``stem_stride * 8``
                is reduced by floor division at each strided convolution, so heat maps align only approximately.

        Returns:
            Feature map, shape (B, widths[-1], Z / s, Y / s, X / s) with ``s = stem_stride * 8``.
        """
        x = self.stem(x)
        for stage in self.stages:
            if self.checkpointing and self.training and x.requires_grad:
                x = checkpoint(stage, x, use_reentrant=False)
            else:
                x = stage(x)
        return x

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(pooled, feature_map)``: (B, widths[-1]) and the last-stage map."""
        fmap = self.feature_map(x)
        return fmap.mean(dim=(2, 3, 4)), fmap
