"""``greenrfm train``: MUST training (vision, text, align stages, or fine-tuning) with JSON-lines events.

Exit codes: 0 finished, or stopped by SIGTERM after saving a checkpoint; 130 stopped by SIGINT (Ctrl+C)
after saving a checkpoint; 1 failed (an ``error`` event carries the message); 2 invalid arguments.
SIGUSR1 pauses after the current step and SIGUSR2 resumes (POSIX only). Run under
``torchrun --nproc_per_node N -m greenrfm_core train ...`` for distributed data parallel training.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from greenrfm_core.cli._text import plain_help


def register(subparsers) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a GreenRFM model (MUST stages) on studies with reports or labels",
        description=plain_help(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--task", required=True, help="finding schema: a task (chest-ct, abdomen-ct, knee-mri, "
                        "spine-mri) or a schema JSON file with the user's own finding list")
    parser.add_argument("--spec", metavar="TASK_OR_FILE",
                        help="preprocessing spec: a task name or a spec JSON file (default: the --init model's "
                        "spec, else the schema task's, else chest-ct for a CT schema and knee-mri for MR)")
    parser.add_argument("--data", required=True, type=Path, help="folder of study folders or NIfTI files")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reports", type=Path, help="reports CSV/XLSX; labels come from the rule-based labeler")
    source.add_argument("--labels", type=Path, help="labels CSV (study_id + one 1/0/-1 column per finding)")
    parser.add_argument("--report-text", type=Path, help="reports CSV whose text feeds the text encoder when "
                        "--labels gives the labels")
    parser.add_argument("--profile", choices=("lite", "standard", "auto"), default="auto",
                        help="lite: stride-4 stem, fits 6 GB; standard: stride-2 stem, fits 24 GB; auto: "
                        "chosen from the device memory (default)")
    parser.add_argument("--stage", choices=("all", "vision", "text", "align", "finetune"), default="all",
                        help="stages to train; all = vision, text, align (default)")
    parser.add_argument("--init", type=Path, help="model folder to start from (required for finetune)")
    parser.add_argument("--out", required=True, type=Path, help="run folder for checkpoints, metrics and models")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    parser.add_argument("--events", help="write JSON-lines progress events to this file, or - for stdout")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per stage (default 10)")
    parser.add_argument("--batch-size", type=int, default=8, help="effective batch per optimizer step")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    parser.add_argument("--input-shape", type=int, nargs=3, metavar=("X", "Y", "Z"),
                        help="network input size in voxels, overriding the CT spec (for MRI, pass --spec with "
                        "a spec file that sets each plane's grid)")
    parser.add_argument("--spacing", type=float, nargs=3, metavar=("X", "Y", "Z"),
                        help="voxel spacing in mm, overriding the task spec")
    parser.add_argument("--width-mult", type=float, default=1.0,
                        help="multiplier on the ResNet-18 widths 64-128-256-512 (default 1.0)")
    parser.add_argument("--text-encoder", default="minilm",
                        help="minilm (shipped weights), scratch, or a local Hugging Face folder (default minilm)")
    parser.add_argument("--seed", type=int, default=0, help="seed of split, initialisation and sampling")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (default 0)")
    parser.add_argument("--val-fraction", type=float, default=0.2,
                        help="share of studies held out for validation, split by patient (default 0.2)")
    parser.add_argument("--split", type=Path, help="study_id,split CSV; OUT/split.csv is used when present")
    parser.add_argument("--lr", type=float, help="peak learning rate for every stage (default per stage)")
    parser.add_argument("--linear-probe", action="store_true", help="finetune: train only the classifier")
    parser.add_argument("--activation-checkpointing", choices=("auto", "on", "off"), default="auto",
                        help="recompute activations in backward to save memory (default: when needed)")
    parser.add_argument("--checkpoint-every", type=int, default=0,
                        help="also save a checkpoint every N optimizer steps (default: epoch ends only)")
    parser.add_argument("--pos-weight", action="store_true",
                        help="weight positive labels by negatives/positives per finding")
    parser.add_argument("--no-augment", action="store_true", help="turn off shift/intensity augmentation")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build a :class:`TrainConfig` from the arguments and train."""
    from greenrfm_core.training import TrainConfig, train

    if args.epochs < 1 or args.batch_size < 1:
        print(f"error: --epochs and --batch-size must be at least 1; got {args.epochs} and {args.batch_size}",
              file=sys.stderr)
        return 2
    config = TrainConfig(
        task=args.task,
        spec=args.spec,
        data_dir=args.data,
        out=args.out,
        reports=args.reports or args.report_text,
        labels=args.labels,
        profile=args.profile,
        stage=args.stage,
        init=args.init,
        resume=args.resume,
        events=args.events,
        epochs=args.epochs,
        batch_size=args.batch_size,
        device=args.device,
        input_shape=tuple(args.input_shape) if args.input_shape else None,
        spacing=tuple(args.spacing) if args.spacing else None,
        width_mult=args.width_mult,
        text_encoder=args.text_encoder,
        seed=args.seed,
        workers=args.workers,
        val_fraction=args.val_fraction,
        split=args.split,
        lr=args.lr,
        linear_probe=args.linear_probe,
        checkpointing=args.activation_checkpointing,
        checkpoint_every=args.checkpoint_every,
        pos_weight=args.pos_weight,
        augment=not args.no_augment,
    )
    return train(config)
