"""Check that every chest CT phantom finding is learnable at reduced resolution by a small 3D CNN.

Renders ``--train`` + ``--test`` small chest phantoms in memory (each finding present with probability 0.3),
preprocesses them to a 64 x 64 x 48 grid (about 5.6 x 5.6 x 5.3 mm), trains a small 3D CNN (strided stem and three blocks) on the drawn
findings and prints the held-out AUROC per finding and the macro AUROC. This is the resolution range the
training tests use, so a finding with a low AUROC here needs a clearer appearance in the phantom.

Usage: ``nice -n 10 python benchmarks/phantom_separability.py [--train 320] [--test 120] [--epochs 20]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from greenrfm_core.phantom import CHEST_FINDINGS, ChestPatient, render_chest_ct
from greenrfm_core.preprocess import load_spec, override_spec, preprocess_volume


def _cohort(count: int, seed: int, spec) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(count):
        present = {finding for finding in CHEST_FINDINGS if rng.random() < 0.3}
        volume, _ = render_chest_ct(ChestPatient.sample(rng), present, rng, "small")
        images.append(preprocess_volume(volume, spec))
        labels.append([finding in present for finding in CHEST_FINDINGS])
    return np.stack(images)[:, None], np.asarray(labels, dtype=np.float32)


def _network(outputs: int) -> nn.Module:
    # A strided stem (as in ResNet) keeps CPU training to minutes at 64 x 64 x 48.
    layers = [nn.Conv3d(1, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm3d(16), nn.ReLU()]
    channels = 16
    for width in (32, 64, 96):
        layers += [
            nn.Conv3d(channels, width, 3, padding=1, bias=False),
            nn.BatchNorm3d(width),
            nn.ReLU(),
            nn.Conv3d(width, width, 3, padding=1, bias=False),
            nn.BatchNorm3d(width),
            nn.ReLU(),
            nn.MaxPool3d(2),
        ]
        channels = width
    return nn.Sequential(*layers, nn.AdaptiveMaxPool3d(1), nn.Flatten(), nn.Linear(channels, outputs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=320, help="training phantoms")
    parser.add_argument("--test", type=int, default=120, help="held-out phantoms")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    spec = override_spec(load_spec("chest-ct"), spacing=[5.6, 5.6, 5.33], shape=[64, 64, 48])
    started = time.perf_counter()
    train_x, train_y = _cohort(args.train, 1, spec)
    test_x, test_y = _cohort(args.test, 2, spec)
    print(
        f"rendered and preprocessed {args.train + args.test} phantoms in {time.perf_counter() - started:.0f} s"
    )

    model = _network(len(CHEST_FINDINGS)).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=2e-3, total_steps=args.epochs * ((args.train + 15) // 16)
    )
    loss_function = nn.BCEWithLogitsLoss()
    inputs, targets = torch.from_numpy(train_x), torch.from_numpy(train_y)
    started = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(inputs))
        total = 0.0
        for batch in order.split(16):
            image = inputs[batch].to(device)
            if torch.rand(1).item() < 0.5:
                image = image + 0.02 * torch.randn_like(image)
            loss = loss_function(model(image), targets[batch].to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: loss {total / len(inputs):.4f} ({time.perf_counter() - started:.0f} s)")

    model.eval()
    with torch.no_grad():
        scores = torch.cat(
            [torch.sigmoid(model(chunk.to(device))).cpu() for chunk in torch.from_numpy(test_x).split(16)]
        ).numpy()
    aurocs = []
    print("\n| finding | AUROC |\n|---|---|")
    for index, finding in enumerate(CHEST_FINDINGS):
        if 0 < test_y[:, index].sum() < len(test_y):
            auroc = roc_auc_score(test_y[:, index], scores[:, index])
            aurocs.append(auroc)
            print(f"| {finding} | {auroc:.3f} |")
    print(f"| macro | {np.mean(aurocs):.3f} |")


if __name__ == "__main__":
    main()
