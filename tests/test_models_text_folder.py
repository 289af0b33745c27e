"""Text encoders (MiniLM offline, WordPiece scratch model) and the model folder round trip."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from greenrfm_core.modelfolder import (
    MANIFEST_FILE,
    WEIGHTS_FILE,
    ModelFolderError,
    load_model_folder,
    save_model_folder,
)
from greenrfm_core.models import (
    ArchitectureConfig,
    TextEncoderConfig,
    build_model,
    minilm_path,
    train_wordpiece_tokenizer,
)

SMALL = ArchitectureConfig.scaled_widths(0.125)
REPORTS = [
    "Small right pleural effusion. No pneumothorax.",
    "No pleural effusion. Mild emphysema in both upper lobes.",
    "右侧少量胸腔积液，未见气胸。",
    "未见胸腔积液。双肺上叶轻度肺气肿。",
] * 5
SCHEMA = {
    "task": "chest-ct",
    "version": 1,
    "findings": [
        {
            "id": finding_id,
            "name": {"en": finding_id, "zh": name_zh},
            "prompts": {
                "en": {"present": f"{finding_id} is present.", "absent": f"No {finding_id}."},
                "zh": {"present": f"可见{name_zh}。", "absent": f"未见{name_zh}。"},
            },
        }
        for finding_id, name_zh in (
            ("pleural_effusion", "胸腔积液"),
            ("emphysema", "肺气肿"),
            ("pneumothorax", "气胸"),
        )
    ],
}
SPEC = {
    "task": "chest-ct",
    "modality": "CT",
    "spacing": [1.5, 1.5, 3.0],
    "shape": [64, 64, 32],
    "intensity": {"kind": "window", "min": -1000, "max": 200},
}


def scratch_model():
    tokenizer = train_wordpiece_tokenizer(REPORTS, vocab_size=200, min_frequency=1)
    config = ArchitectureConfig(
        widths=SMALL,
        num_findings=3,
        latent_dim=32,
        text=TextEncoderConfig(kind="scratch", dim=32, heads=2, layers=1, max_len=16),
    )
    torch.manual_seed(0)
    return build_model(config, tokenizer=tokenizer).eval(), config


def test_wordpiece_splits_chinese_characters():
    tokenizer = train_wordpiece_tokenizer(REPORTS, vocab_size=200, min_frequency=1)
    tokens = tokenizer.encode("未见气胸").tokens
    assert tokens == ["[CLS]", "未", "见", "气", "胸", "[SEP]"]
    assert tokenizer.encode("pleural effusion").tokens[1:3] == ["pleural", "effusion"]


def test_scratch_encoder_truncates_and_pads():
    model, _ = scratch_model()
    tokens = model.tokenize(["No effusion.", " ".join(REPORTS)])
    assert tokens["input_ids"].shape == (2, 16)
    assert tokens["attention_mask"][0].sum() < 16
    assert tokens["input_ids"][1, -1] == model.text_encoder.tokenizer.token_to_id("[SEP]")
    with torch.no_grad():
        latent = model.text_latent(tokens["input_ids"], tokens["attention_mask"])
    assert latent.shape == (2, 32)


def test_minilm_prompts_load_offline(monkeypatch, caplog):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = ArchitectureConfig(
        widths=SMALL, num_findings=3, latent_dim=32, text=TextEncoderConfig(max_len=32)
    )
    model = build_model(config).eval()
    prompts = model.encode_prompts(SCHEMA, "en")
    assert prompts.shape == (3, 2, 32)
    assert torch.allclose(prompts.norm(dim=-1), torch.ones(3, 2), atol=1e-5)
    # Different prompt texts must give different latents, or the zero-shot head is blind.
    assert not torch.allclose(prompts[0, 0], prompts[0, 1])
    # MiniLM's English vocabulary lacks most Chinese characters, so the encoder must log a warning.
    model.encode_prompts(SCHEMA, "zh")
    assert "unknown to the text encoder's vocabulary" in caplog.text


def test_folder_round_trip_scratch(tmp_path):
    model, config = scratch_model()
    folder = save_model_folder(
        tmp_path / "model",
        model,
        config,
        SCHEMA,
        SPEC,
        thresholds={"emphysema": 0.3},
        metrics={"auroc": {"emphysema": 0.8}},
        provenance={"synthetic": True},
    )
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["thresholds"] == {"pleural_effusion": 0.5, "emphysema": 0.3, "pneumothorax": 0.5}
    assert manifest["provenance"]["synthetic"] is True
    assert manifest["provenance"]["not_for_clinical_use"] is True
    assert "torch" in manifest["provenance"]["software"]
    loaded = load_model_folder(folder)
    x = torch.rand(1, 1, 32, 32, 32)
    with torch.no_grad():
        expected = model.image_forward(x)["logits"]
        actual = loaded.model.image_forward(x)["logits"]
        expected_text = model.encode_texts(["未见气胸。"])
        actual_text = loaded.model.encode_texts(["未见气胸。"])
    assert torch.allclose(expected, actual, atol=1e-6)
    assert torch.allclose(expected_text, actual_text, atol=1e-6)
    assert loaded.finding_ids == ["pleural_effusion", "emphysema", "pneumothorax"]
    image_only = load_model_folder(folder, with_text=False)
    assert image_only.model.text_encoder is None


def test_folder_round_trip_minilm(tmp_path):
    config = ArchitectureConfig(
        widths=SMALL, num_findings=3, latent_dim=32, text=TextEncoderConfig(max_len=32)
    )
    model = build_model(config).eval()
    folder = save_model_folder(tmp_path / "model", model, config, SCHEMA, SPEC)
    assert (folder / "text_encoder" / "config.json").is_file()
    loaded = load_model_folder(folder)
    with torch.no_grad():
        assert torch.allclose(
            model.encode_texts(["No effusion."]), loaded.model.encode_texts(["No effusion."]), atol=1e-5
        )


def test_local_hf_folder_not_needed_after_save(tmp_path):
    # A folder of links to the MiniLM files plays the part of a user's own BERT-style folder.
    source = tmp_path / "bert"
    source.mkdir()
    for item in minilm_path().iterdir():
        if item.is_file():
            (source / item.name).symlink_to(item)
    config = ArchitectureConfig(
        widths=SMALL,
        num_findings=3,
        latent_dim=32,
        text=TextEncoderConfig(kind="hf", path=str(source), pooling="cls", max_len=32),
    )
    model = build_model(config).eval()
    folder = save_model_folder(tmp_path / "model", model, config, SCHEMA, SPEC)
    shutil.rmtree(source)
    loaded = load_model_folder(folder)
    with torch.no_grad():
        expected = model.encode_texts(["Small pleural effusion."])
        actual = loaded.model.encode_texts(["Small pleural effusion."])
    assert torch.allclose(expected, actual, atol=1e-5)


def test_folder_rejects_damaged_files(tmp_path):
    model, config = scratch_model()
    folder = save_model_folder(tmp_path / "model", model, config, SCHEMA, SPEC)
    weights = folder / WEIGHTS_FILE
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFolderError, match="truncated"):
        load_model_folder(folder)
    weights.write_bytes(data)

    manifest_path = folder / MANIFEST_FILE
    manifest_text = manifest_path.read_text(encoding="utf-8")
    manifest_path.write_text(manifest_text[:100], encoding="utf-8")
    with pytest.raises(ModelFolderError, match="not valid JSON"):
        load_model_folder(folder)

    manifest = json.loads(manifest_text)
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelFolderError, match="upgrade"):
        load_model_folder(folder)

    manifest_path.unlink()
    with pytest.raises(ModelFolderError, match="manifest.json not found"):
        load_model_folder(folder)


def test_folder_rejects_identifiers_and_bad_thresholds(tmp_path):
    model, config = scratch_model()
    with pytest.raises(ValueError, match="PatientID"):
        save_model_folder(
            tmp_path / "a", model, config, SCHEMA, SPEC, provenance={"source": {"PatientID": "123"}}
        )
    with pytest.raises(ValueError, match="probability"):
        save_model_folder(tmp_path / "b", model, config, SCHEMA, SPEC, thresholds={"emphysema": 1.5})
    with pytest.raises(ValueError, match="num_findings"):
        save_model_folder(tmp_path / "c", model, config, {"findings": SCHEMA["findings"][:2]}, SPEC)
