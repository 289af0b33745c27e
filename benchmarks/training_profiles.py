"""Measure the lite and standard training profiles at the full chest CT input (96 x 192 x 192).

For each profile this prints the parameter count, the planned micro-batch and accumulation, training
throughput in samples/s, peak host memory (RSS) and, on CUDA, peak device memory from
``torch.cuda.max_memory_allocated``. On a CUDA device it asserts that lite stays within 6 GiB and standard
within 24 GiB, the budgets the profiles promise.

Usage::

    python benchmarks/training_profiles.py --device cuda --steps 10
    nice python benchmarks/training_profiles.py --device cpu --steps 2 --threads 2

Only the image path is measured (vision stage, masked BCE on random labels, AdamW), because the image
encoder dominates memory at this input size.
"""

from __future__ import annotations

import argparse
import sys

import torch

from greenrfm_core.device import device_info, resolve_device
from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig
from greenrfm_core.training.profiles import PROFILE_MEMORY_MB
from greenrfm_core.training.throughput import measure_training_step

FULL_SHAPE_ZYX = (96, 192, 192)
NUM_FINDINGS = 18


def measure(profile: str, device: torch.device, steps: int, batch_size: int, width_mult: float) -> dict:
    """Train ``steps`` optimizer steps of one profile on random volumes and return the figures."""
    config = ArchitectureConfig(kind="ct", profile=profile, widths=ArchitectureConfig.scaled_widths(width_mult),
                                num_findings=NUM_FINDINGS, text=TextEncoderConfig(kind="none"))
    return measure_training_step(config, FULL_SHAPE_ZYX, device, batch_size, steps).to_dict()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--steps", type=int, default=5, help="timed optimizer steps per profile (default 5)")
    parser.add_argument("--batch-size", type=int, default=2, help="effective batch per step (default 2)")
    parser.add_argument("--width-mult", type=float, default=1.0, help="ResNet-18 width multiplier (default 1)")
    parser.add_argument("--profiles", nargs="+", default=["lite", "standard"], choices=["lite", "standard"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-assert", action="store_true", help="report figures without the memory checks")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = resolve_device(args.device)
    info = device_info(device)
    print(f"device: {info.name} ({info.total_memory_mb / 1024:.0f} GiB), torch {torch.__version__}, "
          f"input {FULL_SHAPE_ZYX[2]}x{FULL_SHAPE_ZYX[1]}x{FULL_SHAPE_ZYX[0]} (x y z), batch {args.batch_size}")
    print(f"{'profile':<9} {'params':>10} {'micro':>5} {'accum':>5} {'prec':>5} {'ckpt':>5} {'samples/s':>10} "
          f"{'planned MiB':>11} {'host MiB':>9} {'device MiB':>10}")
    failures = []
    for profile in args.profiles:
        figures = measure(profile, device, args.steps, args.batch_size, args.width_mult)
        device_mb = figures.get("peak_device_mb")
        print(f"{profile:<9} {figures['parameters']:>10,} {figures['micro_batch']:>5} {figures['accumulation']:>5} "
              f"{figures['precision']:>5} {figures['checkpointing']!s:>5} {figures['samples_per_s']:>10.3f} "
              f"{figures['planned_mb']:>11.0f} {figures['peak_host_mb']:>9.0f} "
              f"{'n/a' if device_mb is None else f'{device_mb:.0f}':>10}")
        if device_mb is not None and device_mb > PROFILE_MEMORY_MB[profile]:
            failures.append(f"{profile} peaked at {device_mb:.0f} MiB, over its {PROFILE_MEMORY_MB[profile]} MiB budget")
    if failures and not args.no_assert:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
