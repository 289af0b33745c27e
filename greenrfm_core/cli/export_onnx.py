"""``greenrfm export-onnx MODEL_DIR``: write model.onnx and prompts.safetensors into a model folder."""

from __future__ import annotations

import argparse
import sys

from greenrfm_core.modelfolder import ModelFolderError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export-onnx",
        help="export a model folder's image path to ONNX and precompute zero-shot prompt latents",
        description="Write model.onnx (image encoder, projection, shared classifier and the last-stage "
        "feature map for heat maps, dynamic batch axis) and prompts.safetensors into MODEL_DIR, and record "
        "both in its manifest.",
    )
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="model folder containing manifest.json")
    parser.add_argument(
        "--int8",
        nargs="+",
        metavar="STUDY",
        help="also write model.int8.onnx, calibrated on these studies (10 to 50 typical studies); "
        "predict uses it with --int8",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from greenrfm_core.inference import export_model_folder

    try:
        path = export_model_folder(args.model_dir)
        print(f"wrote {path}")
        if args.int8:
            print(f"wrote {quantize_from_studies(args.model_dir, args.int8)}")
    except (ModelFolderError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def quantize_from_studies(model_dir: str, studies: list[str]):
    """Preprocess ``studies`` with the model's spec and calibrate ``model.int8.onnx`` on them."""
    from greenrfm_core.inference import Predictor
    from greenrfm_core.inference.quantize import quantize_model_folder

    predictor = Predictor(model_dir, engine="onnx", device="cpu")
    return quantize_model_folder(model_dir, (predictor.preprocess(study) for study in studies))
