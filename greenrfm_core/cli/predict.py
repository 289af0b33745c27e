"""``greenrfm predict STUDY --model DIR``: print per-finding probabilities of one study."""

from __future__ import annotations

import argparse
import json
import sys

from greenrfm_core.modelfolder import ModelFolderError


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


def format_table(result: dict, lang: str) -> str:
    """Format a ``Prediction.to_dict()`` as a plain-text table."""
    rows = [f"{'finding':<32} {'probability':>11} {'zero-shot':>9} {'threshold':>9}  result"]
    for finding in result["findings"]:
        name = finding["name"].get(lang) or finding["name"].get("en") or finding["id"]
        zero_shot = finding["zero_shot_probability"]
        zero_shot_text = "-" if zero_shot is None else f"{zero_shot:.3f}"
        verdict = "positive" if finding["positive"] else "negative"
        rows.append(
            f"{name:<32} {finding['probability']:>11.3f} {zero_shot_text:>9} {finding['threshold']:>9.2f}  {verdict}"
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
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_table(result, args.lang))
    return 0
