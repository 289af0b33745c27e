"""``greenrfm predict STUDY --model DIR``: print per-finding probabilities of one study."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from greenrfm_core.modelfolder import MANIFEST_FILE, ModelFolderError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="predict findings of one study with a model folder",
        description="Load STUDY (DICOM folder or NIfTI file) through the model's own preprocessing spec and "
        "print each finding's probability from the supervised classifier and the zero-shot head.",
    )
    parser.add_argument("study", metavar="STUDY", help="study folder or image file")
    parser.add_argument("--model", required=True, metavar="DIR", help="model folder containing manifest.json")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--engine",
        choices=("auto", "onnx", "torch"),
        default="auto",
        help="inference engine; auto picks the faster one measured for this device (default: auto)",
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="run the int8 model written by 'export-onnx --int8' (onnxruntime engine)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: physical cores)")
    parser.add_argument("--lang", default="en", help="language of zero-shot prompts and names (en, zh)")
    parser.set_defaults(func=run)


NOT_FOR_CLINICAL_USE = "not for clinical use: this model is marked {reason} in its manifest provenance"


def clinical_use_notice(model_dir: str) -> str | None:
    """Return the notice for a model whose manifest provenance is synthetic or not for clinical use, else None."""
    try:
        manifest = json.loads((Path(model_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    provenance = manifest.get("provenance") if isinstance(manifest, dict) else None
    if not isinstance(provenance, dict):
        return None
    reasons = [key for key in ("synthetic", "not_for_clinical_use") if provenance.get(key)]
    if not reasons:
        return None
    return NOT_FOR_CLINICAL_USE.format(reason=" and ".join(reasons))


def _distinguishing_decimals(probability: float, threshold: float) -> int:
    """Return the decimals, from 4 to 8, at which ``probability`` and ``threshold`` first print differently."""
    for decimals in range(4, 9):
        if f"{probability:.{decimals}f}" != f"{threshold:.{decimals}f}":
            return decimals
    return 8


def format_table(result: dict, lang: str) -> str:
    """Format a ``Prediction.to_dict()`` as a plain-text table.

    Probabilities and thresholds share 4 decimals, or up to 8 in a row where 4 would print them equal, so a
    probability that reads below its threshold is negative.
    """
    names = [finding["name"].get(lang) or finding["name"].get("en") or finding["id"] for finding in result["findings"]]
    width = max([len("finding"), *(len(name) for name in names)])
    rows = [f"{'finding':<{width}} {'probability':>11} {'zero-shot':>9} {'threshold':>10}  result"]
    for name, finding in zip(names, result["findings"]):
        zero_shot = finding["zero_shot_probability"]
        zero_shot_text = "-" if zero_shot is None else f"{zero_shot:.4f}"
        verdict = "positive" if finding["positive"] else "negative"
        decimals = _distinguishing_decimals(finding["probability"], finding["threshold"])
        rows.append(
            f"{name:<{width}} {finding['probability']:>11.{decimals}f} {zero_shot_text:>9} "
            f"{finding['threshold']:>10.{decimals}f}  {verdict}"
        )
    timings = result["timings_s"]
    rows.append(
        f"engine {result['engine']} on {result['device']}; model load {timings['model_load']:.2f} s, "
        f"preprocess {timings['preprocess']:.2f} s, model {timings['model']:.2f} s"
    )
    return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    from greenrfm_core.inference import Predictor

    try:
        predictor = Predictor(
            args.model, engine=args.engine, device=args.device, threads=args.threads, quantized=args.int8
        )
        prediction = predictor.predict(args.study, lang=args.lang)
    except (ModelFolderError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result = prediction.to_dict()
    notice = clinical_use_notice(args.model)
    if args.json:
        result["clinical_use_notice"] = notice
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        if notice:
            print(notice, file=sys.stderr)
        print(format_table(result, args.lang))
    return 0
