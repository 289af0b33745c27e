"""Ablation on phantom chest CTs: MUST versus plain image-report contrastive alignment at equal compute.

* MUST: vision stage (image encoder + shared classifier on report-derived labels), text stage, then
  alignment with InfoNCE plus the shared classifier's BCE on image and report latents.
* Contrastive: alignment with InfoNCE only, from scratch, with no label stage and no classifier loss.

Both runs see the same number of image epochs (``2 * --epochs``), the same network, seed and data. They
are compared on held-out phantoms against ground-truth labels by zero-shot prompts and by a linear probe
(logistic regression per finding on frozen image latents, fitted on the training phantoms).

Usage::

    nice python benchmarks/ablation.py --train-dir PHANTOMS --test-dir HELD_OUT --epochs 6
    nice python benchmarks/ablation.py --train-dir P --test-dir H --epochs 12 --seeds 0 1 2 \
        --input-shape 64 64 32 --spacing 5.6 5.6 8.0 --findings cardiomegaly pleural_effusion

``--findings`` keeps only the listed findings of the chest CT schema in both methods. ``--seeds`` repeats
both trainings per seed and prints the mean and standard deviation.

Missing cohort folders are rendered with the phantom generator first.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from greenrfm_core.data.dataset import StudyDataset, preprocess_records
from greenrfm_core.data.loading import load_cohort
from greenrfm_core.evaluation import auroc
from greenrfm_core.phantom.cohort import generate_cohort
from greenrfm_core.schemas import load_schema, schema_path
from greenrfm_core.training import TrainConfig, TrainingControl, train
from greenrfm_core.training.events import EventWriter
from greenrfm_core.training.loop import LoopSettings, run_loop
from greenrfm_core.training.setup import build_run_model, build_spec, scratch_tokenizer
from greenrfm_core.training.stages import MustForward, contrastive_only_loss, set_trainable

SHAPE = (48, 48, 24)
SPACING = (7.5, 7.5, 10.7)


def _ensure_cohort(folder: Path, n: int, seed: int) -> None:
    if not (folder / "reports.csv").is_file():
        print(f"rendering {n} phantoms into {folder}")
        generate_cohort("chest-ct", n, folder, fmt="nifti", seed=seed)


@torch.no_grad()
def _latents(model, dataset) -> np.ndarray:
    model.eval()
    latents = []
    for start in range(0, len(dataset), 8):
        images = torch.stack([dataset[i]["image"] for i in range(start, min(start + 8, len(dataset)))])
        latents.append(model.image_forward(images)["latent"].numpy())
    return np.concatenate(latents)


def _macro(labels: np.ndarray, scores: np.ndarray) -> float:
    values = [auroc(labels[:, k], scores[:, k]) for k in range(labels.shape[1])]
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def evaluate(model, schema, train_set, train_labels, test_set, test_labels) -> dict:
    """Return zero-shot and linear-probe macro AUROC on the test set."""
    model.eval()
    with torch.no_grad():
        prompts = model.encode_prompts(schema)
        test_latent = torch.as_tensor(_latents(model, test_set))
        zero_shot = torch.sigmoid(model.zero_shot_logits(test_latent, prompts)).numpy()
    train_latent = _latents(model, train_set)
    probe = np.full(test_labels.shape, np.nan)
    for k in range(train_labels.shape[1]):
        known = train_labels[:, k] >= 0
        classes = np.unique(train_labels[known, k])
        if len(classes) < 2:
            continue
        classifier = LogisticRegression(C=1.0, max_iter=2000).fit(train_latent[known], train_labels[known, k])
        probe[:, k] = classifier.predict_proba(test_latent.numpy())[:, 1]
    return {"zero_shot": _macro(test_labels, zero_shot), "linear_probe": _macro(test_labels, probe)}


def _subset_schema(findings: list[str] | None, out: Path) -> str:
    """Return the task for TrainConfig: ``chest-ct``, or a schema file with only ``findings``."""
    if not findings:
        return "chest-ct"
    document = json.loads(schema_path("chest-ct").read_text(encoding="utf-8"))
    known = [f["id"] for f in document["findings"]]
    unknown = sorted(set(findings) - set(known))
    if unknown:
        raise SystemExit(f"invalid --findings {unknown}: not chest CT findings; choose from {', '.join(known)}")
    document["findings"] = [f for f in document["findings"] if f["id"] in findings]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "schema-subset.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run_seed(args, task: str, schema, seed: int, data) -> dict:
    """Train MUST and the contrastive baseline with one seed and return their held-out figures."""
    train_records, train_arrays, spec, train_set, train_labels, test_set, test_labels = data
    out = args.out / f"seed-{seed}"
    must_config = TrainConfig(
        task=task, data_dir=args.train_dir, reports=args.train_dir / "reports.csv", out=out / "must",
        profile="lite", stage="all", device="cpu", input_shape=tuple(args.input_shape),
        spacing=tuple(args.spacing), width_mult=args.width_mult, text_encoder="scratch", epochs=args.epochs,
        batch_size=8, lr=3e-3, seed=seed, val_fraction=0.0, augment=True,
    )
    started = time.perf_counter()
    assert train(must_config, TrainingControl()) == 0
    must_seconds = time.perf_counter() - started
    from greenrfm_core.modelfolder import load_model_folder

    must_model = load_model_folder(must_config.out / "model", device="cpu").model
    must = evaluate(must_model, schema, train_set, train_labels, test_set, test_labels)

    # Contrastive baseline: same architecture, seed and tokenizer, 2 x epochs of alignment only.
    baseline_out = out / "contrastive"
    tokenizer = scratch_tokenizer(baseline_out, [r.report for r in train_records], schema, True, torch.device("cpu"))
    torch.manual_seed(seed)
    model, _ = build_run_model(must_config, "lite", len(schema.finding_ids), False, tokenizer, with_text=True)
    set_trainable(model, "align")
    settings = LoopSettings(stage="align", epochs=2 * args.epochs, batch_size=8, micro_batch=8, lr=3e-3, seed=seed)
    started = time.perf_counter()
    run_loop(model, MustForward(model), StudyDataset(train_records, train_arrays, spec, augment=True, seed=seed),
             contrastive_only_loss(), settings, torch.device("cpu"), baseline_out / "checkpoints",
             EventWriter(None), TrainingControl())
    baseline_seconds = time.perf_counter() - started
    baseline = evaluate(model, schema, train_set, train_labels, test_set, test_labels)
    return {"must": must | {"seconds": must_seconds}, "contrastive": baseline | {"seconds": baseline_seconds}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-dir", type=Path, required=True, help="training phantoms (rendered if missing)")
    parser.add_argument("--test-dir", type=Path, required=True, help="held-out phantoms (rendered if missing)")
    parser.add_argument("--out", type=Path, default=Path("ablation-runs"), help="run folders")
    parser.add_argument("--n-train", type=int, default=100)
    parser.add_argument("--n-test", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=6, help="epochs per MUST stage (default 6)")
    parser.add_argument("--width-mult", type=float, default=0.125)
    parser.add_argument("--input-shape", type=int, nargs=3, default=list(SHAPE), metavar=("X", "Y", "Z"),
                        help=f"network input in voxels (default {SHAPE[0]} {SHAPE[1]} {SHAPE[2]})")
    parser.add_argument("--spacing", type=float, nargs=3, default=list(SPACING), metavar=("X", "Y", "Z"),
                        help=f"input spacing in mm (default {SPACING[0]} {SPACING[1]} {SPACING[2]})")
    parser.add_argument("--findings", nargs="+", help="chest CT finding ids to keep (default: all 18)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    _ensure_cohort(args.train_dir, args.n_train, 3)
    _ensure_cohort(args.test_dir, args.n_test, 1003)
    task = _subset_schema(args.findings, args.out)
    schema = load_schema(task)

    spec = build_spec(TrainConfig(task=task, data_dir=args.train_dir, reports=args.train_dir / "reports.csv",
                                  out=args.out, input_shape=tuple(args.input_shape), spacing=tuple(args.spacing)),
                      "chest-ct")
    train_match = load_cohort(args.train_dir, schema, reports=args.train_dir / "reports.csv")
    train_records, train_arrays, _ = preprocess_records(train_match.matched, spec)
    test_match = load_cohort(args.test_dir, schema, labels=args.test_dir / "labels.csv")
    test_records, test_arrays, _ = preprocess_records(test_match.matched, spec)
    train_set = StudyDataset(train_records, train_arrays, spec)
    test_set = StudyDataset(test_records, test_arrays, spec)
    train_labels = np.stack([r.labels for r in train_records])
    test_labels = np.stack([r.labels for r in test_records])
    data = (train_records, train_arrays, spec, train_set, train_labels, test_set, test_labels)

    shape = args.input_shape
    print(f"phantoms: {len(train_records)} training, {len(test_records)} held-out; {len(schema.finding_ids)} "
          f"findings; input {shape[0]}x{shape[1]}x{shape[2]}, widths x{args.width_mult}, "
          f"{2 * args.epochs} image epochs each")
    print(f"{'seed':>4} {'method':<28} {'zero-shot AUROC':>16} {'linear-probe AUROC':>19} {'train s':>8}")
    names = {"must": "MUST (stage 1 + align + cls)", "contrastive": "contrastive only"}
    results = []
    for seed in args.seeds:
        result = run_seed(args, task, schema, seed, data)
        results.append(result)
        for key, name in names.items():
            figures = result[key]
            print(f"{seed:>4} {name:<28} {figures['zero_shot']:>16.3f} {figures['linear_probe']:>19.3f} "
                  f"{figures['seconds']:>8.0f}", flush=True)
    if len(results) > 1:
        for key, name in names.items():
            cells = []
            for metric in ("zero_shot", "linear_probe"):
                values = np.array([r[key][metric] for r in results])
                cells.append(f"{values.mean():.3f} ± {values.std(ddof=1):.3f}")
            seconds = np.mean([r[key]["seconds"] for r in results])
            print(f"{'mean':>4} {name:<28} {cells[0]:>16} {cells[1]:>19} {seconds:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
