"""``greenrfm evaluate``: per-finding AUROC, macro AUROC with a bootstrap interval, and F1 of a model folder."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def register(subparsers) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a model folder on labelled studies (AUROC, bootstrap CI, F1)",
        description="Score studies with a model folder's classifier (and zero-shot prompts when the model has "
        "a text encoder) and compare with labels. F1 uses the thresholds stored in the model manifest, which "
        "training chose on its validation studies (Youden's J).",
    )
    parser.add_argument("--model", required=True, type=Path, help="model folder")
    parser.add_argument("--data", required=True, type=Path, help="folder of study folders or NIfTI files")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--labels", type=Path, help="labels CSV (study_id + one 1/0/-1 column per finding)")
    source.add_argument("--reports", type=Path, help="reports CSV/XLSX, labelled by the rule-based labeler")
    parser.add_argument("--json", action="store_true", help="print the full results (with ROC points) as JSON")
    parser.add_argument("--no-zero-shot", action="store_true", help="skip zero-shot scoring")
    parser.add_argument("--threshold", default="manifest",
                        help="F1 threshold: manifest (default), youden (chosen on these studies) or a "
                        "probability such as 0.5")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    parser.add_argument("--batch-size", type=int, default=4, help="studies per forward pass (default 4)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print a table (or JSON); returns 1 when no study could be scored."""
    from greenrfm_core.data.dataset import StudyDataset, preprocess_records
    from greenrfm_core.data.loading import load_cohort
    from greenrfm_core.device import resolve_device
    from greenrfm_core.evaluation import evaluate_scores, format_table
    from greenrfm_core.modelfolder import load_model_folder
    from greenrfm_core.schemas import parse_schema
    from greenrfm_core.training.predict import predict_scores

    try:
        device = resolve_device(args.device)
        loaded = load_model_folder(args.model, device=device, with_text=not args.no_zero_shot)
        schema = parse_schema(loaded.schema, source=str(args.model / "manifest.json"))
        match = load_cohort(args.data, schema, reports=args.reports, labels=args.labels)
        records, arrays, skipped = preprocess_records(match.matched, loaded.spec)
    except ValueError as error:
        print(f"error: {error}")
        return 1
    if not records:
        print(f"error: no readable study in {args.data} matched the labels ({match.summary()})")
        return 1
    prompts = None
    if loaded.model.text_encoder is not None:
        prompts = loaded.model.encode_prompts(loaded.schema)
    scores = predict_scores(loaded.model, StudyDataset(records, arrays, loaded.spec), device,
                            batch_size=args.batch_size, prompt_latents=prompts)
    thresholds = _thresholds(args.threshold, loaded.thresholds)
    results = [evaluate_scores(scores["labels"], scores["classifier"], loaded.finding_ids, thresholds,
                               "classifier", args.bootstrap, args.seed)]
    if "zero_shot" in scores:
        # Zero-shot scores are not probabilities of the classifier, so F1 uses their own Youden threshold.
        results.append(evaluate_scores(scores["labels"], scores["zero_shot"], loaded.finding_ids, None,
                                       "zero_shot", args.bootstrap, args.seed))
    if args.json:
        print(json.dumps({
            "model": str(args.model), "studies": len(records), "skipped": len(skipped),
            "match": match.summary(), "results": [result.to_dict() for result in results],
            "skipped_studies": [{"study_id": study_id, "reason": reason} for study_id, reason in skipped],
        }, indent=2))
    else:
        print(f"{len(records)} studies scored ({match.summary()}; {len(skipped)} skipped as unreadable or "
              "incomplete)")
        for study_id, reason in skipped:
            print(f"warning: skipped study {study_id}: {reason}")
        for result in results:
            print()
            print(format_table(result))
            for warning in result.warnings:
                print(f"warning: {warning}")
    return 0


def _thresholds(choice: str, manifest_thresholds: dict[str, float]) -> dict[str, float] | None:
    if choice == "manifest":
        return manifest_thresholds
    if choice == "youden":
        return None
    try:
        value = float(choice)
    except ValueError:
        raise SystemExit(f"error: invalid --threshold {choice!r}; use manifest, youden or a number in [0, 1]")
    return {finding: value for finding in manifest_thresholds}
