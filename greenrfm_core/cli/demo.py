"""``greenrfm demo``: a phantom chest CT cohort, labels from its reports, a short lite training, and AUROC.

Everything runs locally on synthetic data. The phantom generator renders training and held-out cohorts, and
the rule-based labeler reads the training reports. ``greenrfm train`` runs the MUST stages at a reduced input
size, then the trained model scores the held-out phantoms against their ground-truth labels.
"""

from __future__ import annotations

import argparse
import csv
import logging
import shutil
import sys
import time
from pathlib import Path

from greenrfm_core.cli._text import plain_help

logger = logging.getLogger(__name__)

# Reduced chest CT grid for the demo: the phantom's 358 x 358 x 256 mm field of view at 5.6 x 5.6 x 8 mm.
DEMO_SHAPE = (64, 64, 32)
DEMO_SPACING = (5.6, 5.6, 8.0)

RESULT_NOTE = ("phantom demo: a short CPU run on synthetic studies; a macro AUROC around 0.6 is expected and is "
               "not a measure of the method")


class EpochProgress:
    """Print one stderr line per finished epoch, with the stage's loss and an estimate of its remaining time."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self._stage_start: dict[str, tuple[float, int]] = {}

    def __call__(self, record: dict) -> None:
        stage = record.get("stage")
        if stage is None or "step" not in record:
            return
        now = time.monotonic()
        self._stage_start.setdefault(stage, (now, record["step"]))
        if record["event"] != "epoch":
            return
        started, first_step = self._stage_start[stage]
        done = record["step"] - first_step
        remaining = record.get("total_steps", record["step"]) - record["step"]
        eta_s = (now - started) / done * remaining if done > 0 else 0.0
        loss = record.get("loss")
        loss_text = "n/a" if loss is None else f"{loss:.4f}"
        print(f"{stage} epoch {record['epoch']}/{self.epochs}: loss {loss_text}, stage ETA {eta_s:.0f} s",
              file=sys.stderr, flush=True)


def register(subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="train and evaluate on a synthetic phantom cohort end to end (a few minutes on a CPU)",
        description=plain_help(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, help="demo folder, kept after the run (default: a new folder in the "
                        "cache, removed after the run unless --keep is given)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the default cache folder with phantoms, run and model (about 500 MB)")
    parser.add_argument("--n", type=int, default=60, help="training phantoms (default 60)")
    parser.add_argument("--n-test", type=int, default=30, help="held-out phantoms (default 30)")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per stage (default 10)")
    parser.add_argument("--batch-size", type=int, default=8, help="effective batch (default 8)")
    parser.add_argument("--width-mult", type=float, default=0.25,
                        help="multiplier on the ResNet-18 widths (default 0.25: 16-32-64-128)")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (default 3e-3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of phantoms, split and training (default 0)")
    parser.add_argument("--format", choices=("nifti", "dicom"), default="nifti",
                        help="phantom file format (default nifti, faster to write)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    parser.add_argument("--events", help="JSON-lines training events file, or - for stdout")
    parser.set_defaults(func=run)


def _cohort(folder: Path, n: int, fmt: str, seed: int) -> Path:
    from greenrfm_core.phantom.cohort import generate_cohort

    if (folder / "reports.csv").is_file() and (folder / "labels.csv").is_file():
        print(f"Using the phantom cohort already in {folder}")
        return folder
    print(f"Rendering {n} phantom chest CT studies into {folder} ...")
    generate_cohort("chest-ct", n, folder, fmt=fmt, seed=seed)
    return folder


def run(args: argparse.Namespace) -> int:
    """Render phantoms, train, evaluate on held-out phantoms and print per-finding AUROC."""
    from greenrfm_core.paths import cache_dir

    out = args.out or cache_dir() / "demo" / time.strftime("%Y%m%d-%H%M%S")
    remove_after = args.out is None and not args.keep
    try:
        return _demo(args, out, remove_after)
    finally:
        if remove_after:
            size_mb = _folder_size_mb(out)
            shutil.rmtree(out, ignore_errors=True)
            print(f"Removed the demo folder {out} ({size_mb:.0f} MB); pass --keep or --out DIR to keep it",
                  file=sys.stderr)
        else:
            print(f"Demo folder: {out} ({_folder_size_mb(out):.0f} MB)")


def _demo(args: argparse.Namespace, out: Path, remove_after: bool) -> int:
    from greenrfm_core.data.dataset import StudyDataset, preprocess_records
    from greenrfm_core.data.loading import load_cohort
    from greenrfm_core.evaluation import evaluate_scores, format_table
    from greenrfm_core.modelfolder import load_model_folder
    from greenrfm_core.schemas import parse_schema
    from greenrfm_core.training import TrainConfig, train
    from greenrfm_core.training.predict import predict_scores

    started = time.monotonic()
    train_dir = _cohort(out / "train", args.n, args.format, args.seed)
    test_dir = _cohort(out / "test", args.n_test, args.format, args.seed + 1000)
    config = TrainConfig(
        task="chest-ct", data_dir=train_dir, reports=train_dir / "reports.csv", out=out / "run",
        profile="lite", stage="all", events=args.events, epochs=args.epochs, batch_size=args.batch_size,
        device=args.device, input_shape=DEMO_SHAPE, spacing=DEMO_SPACING, width_mult=args.width_mult,
        text_encoder="scratch", seed=args.seed, lr=args.lr,
    )
    print(f"Training (lite profile, input {DEMO_SHAPE[0]}x{DEMO_SHAPE[1]}x{DEMO_SHAPE[2]}, "
          f"{args.epochs} epochs per stage) into {config.out} ...")
    code = train(config, on_event=EpochProgress(args.epochs))
    if code != 0:
        print(f"Training stopped with exit code {code}; see the log above.")
        return code

    model_dir = config.out / "model"
    loaded = load_model_folder(model_dir, device="cpu")
    schema = parse_schema(loaded.schema, source=str(model_dir / "manifest.json"))
    match = load_cohort(test_dir, schema, labels=test_dir / "labels.csv")
    records, arrays, _ = preprocess_records(match.matched, loaded.spec)
    prompts = loaded.model.encode_prompts(loaded.schema) if loaded.model.text_encoder is not None else None
    scores = predict_scores(loaded.model, StudyDataset(records, arrays, loaded.spec), loaded.device,
                            prompt_latents=prompts)
    _write_predictions(out / "predictions.csv", [r.study_id for r in records], loaded.finding_ids,
                       scores["classifier"])
    print(f"Held-out phantoms: {len(records)} studies with ground-truth labels")
    result = evaluate_scores(scores["labels"], scores["classifier"], loaded.finding_ids, loaded.thresholds,
                             n_resamples=500, seed=args.seed)
    print(format_table(result))
    if "zero_shot" in scores:
        zero_shot = evaluate_scores(scores["labels"], scores["zero_shot"], loaded.finding_ids,
                                    source="zero_shot", n_resamples=500, seed=args.seed)
        print(f"macro AUROC (zero_shot): {zero_shot.macro['macro_auroc']:.3f}")
    print(RESULT_NOTE)
    if not remove_after:
        print(f"Model folder: {model_dir}\nPredictions: {out / 'predictions.csv'}")
    print(f"Total time: {time.monotonic() - started:.0f} s")
    return 0


def _folder_size_mb(folder: Path) -> float:
    if not folder.is_dir():
        return 0.0
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def _write_predictions(path: Path, study_ids: list[str], finding_ids: list[str], probabilities) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["study_id", *finding_ids])
        for study_id, row in zip(study_ids, probabilities):
            writer.writerow([study_id, *(f"{value:.4f}" for value in row)])
