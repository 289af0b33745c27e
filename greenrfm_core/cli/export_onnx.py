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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from greenrfm_core.inference import export_model_folder

    try:
        path = export_model_folder(args.model_dir)
    except (ModelFolderError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0
