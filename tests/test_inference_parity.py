"""ONNX export and the Predictor: ONNX and PyTorch agree, heat maps land on the source grid, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from greenrfm_core.cli import main as cli_main
from greenrfm_core.inference import Predictor, export_model_folder
from greenrfm_core.inference.heatmap import resample_to_source
from greenrfm_core.inference.quantize import quantize_model_folder
from greenrfm_core.io import write_nifti
from greenrfm_core.modelfolder import MANIFEST_FILE, ONNX_FILE, ModelFolderError, save_model_folder
from greenrfm_core.models import ArchitectureConfig, TextEncoderConfig, build_model, train_wordpiece_tokenizer
from greenrfm_core.phantom.chest import render_chest_ct
from greenrfm_core.phantom.chest_anatomy import ChestPatient
from greenrfm_core.volume import Volume

WIDTHS = ArchitectureConfig.scaled_widths(0.125)
FINDINGS = ("pleural_effusion", "emphysema", "pneumothorax")
NAMES_ZH = {"pleural_effusion": "胸腔积液", "emphysema": "肺气肿", "pneumothorax": "气胸"}
SCHEMA = {
    "task": "chest-ct",
    "version": 1,
    "findings": [
        {
            "id": finding_id,
            "name": {"en": finding_id.replace("_", " "), "zh": NAMES_ZH[finding_id]},
            "prompts": {
                "en": {"present": f"{finding_id} is present.", "absent": f"No {finding_id}."},
                "zh": {"present": f"可见{NAMES_ZH[finding_id]}。", "absent": f"未见{NAMES_ZH[finding_id]}。"},
            },
        }
        for finding_id in FINDINGS
    ],
}
CT_SPEC = {
    "task": "chest-ct",
    "modality": "CT",
    "orientation": "LPS",
    "spacing": [6.0, 6.0, 8.0],
    "intensity": {"kind": "window", "min": -1000, "max": 200},
    "shape": [64, 64, 32],
}
MRI_SPEC = {
    "task": "knee-mri",
    "modality": "MR",
    "orientation": "LPS",
    "spacing": None,
    "planes": ["sagittal", "coronal", "axial"],
    "sequences": ["PD", "T1"],
    "intensity": {"kind": "percentile", "low": 0.5, "high": 99.5},
    "shape": {"sagittal": [16, 32, 32], "coronal": [32, 16, 32], "axial": [32, 32, 16]},
}
REPORTS = ["Small right pleural effusion.", "No pneumothorax.", "未见胸腔积液。", "双肺肺气肿。"] * 4


def make_folder(tmp_path, profile="lite", kind="ct", text="scratch"):
    tokenizer = (
        train_wordpiece_tokenizer(REPORTS, vocab_size=120, min_frequency=1) if text == "scratch" else None
    )
    config = ArchitectureConfig(
        kind=kind,
        profile=profile,
        widths=WIDTHS,
        in_channels=2 if kind == "mri3plane" else 1,
        latent_dim=16,
        num_findings=3,
        text=TextEncoderConfig(kind=text, dim=16, heads=2, layers=1, max_len=16),
    )
    model = build_model(config, tokenizer=tokenizer).eval()
    # Non-default batch-norm statistics, so an export that ignored them would not match.
    for name, buffer in model.named_buffers():
        if name.endswith("running_mean"):
            buffer.uniform_(-0.1, 0.1)
        elif name.endswith("running_var"):
            buffer.uniform_(0.5, 1.5)
    spec = MRI_SPEC if kind == "mri3plane" else CT_SPEC
    folder = save_model_folder(
        tmp_path / f"{kind}-{profile}", model, config, SCHEMA, spec, provenance={"synthetic": True}
    )
    export_model_folder(folder)
    return folder


def phantom_ct(seed=0):
    rng = np.random.default_rng(seed)
    volume, _ = render_chest_ct(ChestPatient.sample(rng), {"pleural_effusion"}, rng, size="small")
    return volume


@pytest.mark.parametrize("profile", ["lite", "standard"])
def test_ct_onnx_matches_torch(tmp_path, profile):
    folder = make_folder(tmp_path, profile=profile, text="scratch" if profile == "lite" else "none")
    onnx = Predictor(folder, engine="onnx", device="cpu")
    torch_ = Predictor(folder, engine="torch", device="cpu")
    rng = np.random.default_rng(1)
    batch = {"image": rng.random((2, 1, 32, 64, 64), dtype=np.float32)}
    onnx_out, torch_out = onnx.run(batch), torch_.run(batch)
    for name in ("logits", "latent", "feature_map"):
        np.testing.assert_allclose(onnx_out[name], torch_out[name], atol=1e-4, rtol=1e-4, err_msg=name)

    volume = phantom_ct()
    onnx_prediction, torch_prediction = onnx.predict(volume), torch_.predict(volume)
    np.testing.assert_allclose(onnx_prediction.probabilities, torch_prediction.probabilities, atol=1e-4)
    if profile == "lite":
        assert onnx_prediction.zero_shot is not None
        np.testing.assert_allclose(onnx_prediction.zero_shot, torch_prediction.zero_shot, atol=1e-4)
    else:
        assert onnx_prediction.zero_shot is None
    heat_onnx = onnx_prediction.heatmap("pleural_effusion")
    heat_torch = torch_prediction.heatmap("pleural_effusion")
    assert heat_onnx.shape == volume.array.shape
    assert heat_onnx.min() >= 0.0
    assert heat_onnx.max() <= 1.0
    np.testing.assert_allclose(heat_onnx, heat_torch, atol=1e-3)


def test_mri_three_plane_onnx_matches_torch(tmp_path):
    folder = make_folder(tmp_path, kind="mri3plane", text="none")
    onnx = Predictor(folder, engine="onnx", device="cpu")
    torch_ = Predictor(folder, engine="torch", device="cpu")
    rng = np.random.default_rng(2)
    shapes = {"sagittal": (32, 32, 16), "coronal": (32, 16, 32), "axial": (16, 32, 32)}  # (Z, Y, X)
    batch = {plane: rng.random((2, 2, *shape), dtype=np.float32) for plane, shape in shapes.items()}
    onnx_out, torch_out = onnx.run(batch), torch_.run(batch)
    assert set(onnx_out) == {"logits", "latent", *(f"feature_map_{p}" for p in shapes)}
    for name, value in onnx_out.items():
        np.testing.assert_allclose(value, torch_out[name], atol=1e-4, rtol=1e-4, err_msg=name)

    volumes = {
        plane: {
            seq: Volume(rng.random(shape, dtype=np.float32) * 500, (0.5, 0.5, 3.0)) for seq in ("PD", "T1")
        }
        for plane, shape in {"sagittal": (20, 64, 64), "coronal": (20, 64, 64), "axial": (20, 64, 64)}.items()
    }
    prediction = onnx.predict(volumes)
    np.testing.assert_allclose(prediction.probabilities, torch_.predict(volumes).probabilities, atol=1e-4)
    assert prediction.heatmap("emphysema", plane="axial").shape == (20, 64, 64)
    with pytest.raises(KeyError, match="plane"):
        prediction.heatmap("emphysema")


def test_heatmap_maps_feature_voxel_to_source():
    # One hot feature voxel at the centre of an odd 3x3x3 feature grid must peak at the source centre,
    # because the model grid is centred on the source volume. Source spacings above half the model spacing
    # avoid the block averaging that shifts the grid centre by a fraction of a voxel.
    volume = Volume(np.zeros((41, 101, 81), np.float32), (0.8, 0.9, 2.5), origin=(-30.0, 12.0, 100.0))
    cam = np.zeros((3, 3, 3), np.float32)
    cam[1, 1, 1] = 1.0
    heat = resample_to_source(cam, (24, 48, 48), volume, (1.5, 1.5, 3.0))
    assert heat.shape == (41, 101, 81)
    assert np.unravel_index(heat.argmax(), heat.shape) == (20, 50, 40)
    # The model grid covers 72 mm in z but the source 102.5 mm, so the first and last source slices are outside.
    assert heat[0].max() == 0.0
    assert heat[-1].max() == 0.0


def test_predictor_errors_name_the_file(tmp_path):
    folder = make_folder(tmp_path, text="none")
    onnx_path = folder / ONNX_FILE
    data = onnx_path.read_bytes()
    onnx_path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFolderError, match="model.onnx has"):
        Predictor(folder, engine="onnx", device="cpu")
    onnx_path.unlink()
    with pytest.raises(ModelFolderError, match="export-onnx"):
        Predictor(folder, engine="onnx", device="cpu")
    # auto falls back to PyTorch when there is no ONNX file.
    assert Predictor(folder, device="cpu").engine_name == "torch"
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelFolderError, match="format_version 2"):
        Predictor(folder, device="cpu")


def test_predictor_reports_progress_and_thresholds(tmp_path):
    folder = make_folder(tmp_path, text="none")
    steps = []
    predictor = Predictor(
        folder, engine="torch", device="cpu", progress=lambda step, done: steps.append((step, done))
    )
    prediction = predictor.predict(phantom_ct())
    assert steps[0] == ("load model", 0.0)
    assert steps[-1] == ("model", 1.0)
    assert set(prediction.timings) == {"model_load", "preprocess", "model"}
    assert list(prediction.positive) == list(prediction.probabilities >= 0.5)
    with pytest.raises(KeyError, match="unknown finding"):
        prediction.heatmap("fracture")
    # A study given by path is read again for the heat map's grid.
    volume = phantom_ct(5)
    study = write_nifti(volume, tmp_path / "study.nii.gz")
    assert predictor.predict(study).heatmap("emphysema").shape == volume.array.shape


def test_int8_quantised_model_predicts(tmp_path):
    folder = make_folder(tmp_path, text="none")
    float_predictor = Predictor(folder, engine="onnx", device="cpu")
    with pytest.raises(ModelFolderError, match="quantize_model_folder"):
        Predictor(folder, quantized=True, device="cpu")
    quantize_model_folder(
        folder, ({"image": float_predictor.preprocess(phantom_ct(seed))["image"]} for seed in range(3))
    )
    int8_predictor = Predictor(folder, quantized=True, device="cpu")
    volume = phantom_ct(7)
    float_probabilities = float_predictor.predict(volume).probabilities
    int8_probabilities = int8_predictor.predict(volume).probabilities
    # Quantisation error on these small random models stays far below this bound (about 1e-3).
    np.testing.assert_allclose(int8_probabilities, float_probabilities, atol=0.02)
    assert int8_predictor.engine_name == "onnx-int8"


def test_cli_predict_and_export(tmp_path, capsys):
    folder = make_folder(tmp_path)
    (folder / ONNX_FILE).unlink()
    assert cli_main(["export-onnx", str(folder)]) == 0
    assert (folder / ONNX_FILE).is_file()
    study = write_nifti(phantom_ct(3), tmp_path / "study.nii.gz")
    capsys.readouterr()
    assert cli_main(["predict", str(study), "--model", str(folder), "--json", "--engine", "onnx"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [f["id"] for f in result["findings"]] == list(FINDINGS)
    assert all(0.0 <= f["probability"] <= 1.0 for f in result["findings"])
    assert result["engine"] == "onnx"
    assert cli_main(["predict", str(study), "--model", str(folder), "--lang", "zh"]) == 0
    assert "胸腔积液" in capsys.readouterr().out
    assert cli_main(["export-onnx", str(folder), "--int8", str(study)]) == 0
    assert (folder / "model.int8.onnx").is_file()
    capsys.readouterr()
    assert cli_main(["predict", str(study), "--model", str(folder), "--int8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "onnx-int8"
    assert cli_main(["predict", str(study), "--model", str(tmp_path / "missing")]) == 1
    assert "not found" in capsys.readouterr().err
