"""Image encoders, config round trip, heat-map linearity and the zero-shot head."""

from __future__ import annotations

import json

import pytest
import torch

from greenrfm_core.models import ArchitectureConfig, GreenRFMModel, ResNet3d18, TextEncoderConfig, build_model

SMALL = ArchitectureConfig.scaled_widths(0.125)  # 8-16-32-64


def image_only(**overrides) -> GreenRFMModel:
    settings = {"widths": SMALL, "num_findings": 4, "latent_dim": 32, "text": TextEncoderConfig(kind="none")}
    settings.update(overrides)
    return build_model(ArchitectureConfig(**settings))


@pytest.mark.parametrize(("profile", "stride"), [("lite", 32), ("standard", 16)])
def test_resnet_feature_map_shape(profile, stride):
    config = ArchitectureConfig(profile=profile, widths=SMALL)
    encoder = ResNet3d18(1, config.widths, config.stem_stride).eval()
    with torch.no_grad():
        pooled, fmap = encoder(torch.rand(2, 1, 32, 64, 96))
    assert config.total_stride == stride
    assert fmap.shape == (2, 64, 32 // stride, 64 // stride, 96 // stride)
    assert pooled.shape == (2, 64)
    assert torch.allclose(pooled, fmap.mean(dim=(2, 3, 4)))


def test_default_widths_are_resnet18():
    encoder = ResNet3d18()
    assert encoder.out_channels == 512
    assert [stage[0].conv1.out_channels for stage in encoder.stages] == [64, 128, 256, 512]
    assert ArchitectureConfig.scaled_widths(0.25) == (16, 32, 64, 128)


def test_checkpointing_matches_plain_gradients():
    torch.manual_seed(0)
    plain = ResNet3d18(1, SMALL, 4, checkpointing=False)
    checkpointed = ResNet3d18(1, SMALL, 4, checkpointing=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.rand(2, 1, 32, 32, 32)
    plain(x)[0].sum().backward()
    checkpointed(x)[0].sum().backward()
    for (name, a), (_, b) in zip(plain.named_parameters(), checkpointed.named_parameters()):
        assert torch.allclose(a.grad, b.grad, atol=1e-5), name


def test_config_json_round_trip():
    config = ArchitectureConfig(
        kind="mri3plane",
        profile="standard",
        widths=SMALL,
        in_channels=3,
        num_findings=14,
        text=TextEncoderConfig(kind="scratch", layers=3, dim=128, heads=4),
        checkpointing=True,
    )
    restored = ArchitectureConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert restored.planes == ("sagittal", "coronal", "axial")


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="profile"):
        ArchitectureConfig(profile="huge")
    with pytest.raises(ValueError, match="unknown architecture keys"):
        ArchitectureConfig.from_dict({"kind": "ct", "depth": 50})
    with pytest.raises(ValueError, match="path"):
        TextEncoderConfig(kind="hf")


def test_three_plane_mean_fusion():
    torch.manual_seed(0)
    model = image_only(kind="mri3plane", in_channels=2).eval()
    volumes = {plane: torch.rand(1, 2, 32, 32, 32) for plane in ("sagittal", "coronal", "axial")}
    with torch.no_grad():
        out = model.image_forward(volumes)
        per_plane = [model.image_encoder.encoders[p](volumes[p])[0] for p in volumes]
    assert set(out["feature_map"]) == set(volumes)
    expected = model.image_projection(torch.stack(per_plane).mean(dim=0))
    assert torch.allclose(out["latent"], expected, atol=1e-5)
    with pytest.raises(ValueError, match="axial"):
        model.image_forward({"sagittal": volumes["sagittal"], "coronal": volumes["coronal"]})


def test_cam_weights_reproduce_logits():
    torch.manual_seed(0)
    model = image_only().eval()
    with torch.no_grad():
        out = model.image_forward(torch.rand(2, 1, 32, 64, 64))
        weights, bias = model.cam_weights()
        cam = torch.einsum("kc,bczyx->bkzyx", weights, out["feature_map"])
    assert torch.allclose(cam.mean(dim=(2, 3, 4)) + bias, out["logits"], atol=1e-5)


def test_zero_shot_is_pairwise_softmax():
    torch.manual_seed(0)
    model = image_only()
    image = torch.randn(3, 32)
    prompts = torch.randn(4, 2, 32)
    probability = model.zero_shot_logits(image, prompts).sigmoid()
    image_n = torch.nn.functional.normalize(image, dim=-1)
    prompts_n = torch.nn.functional.normalize(prompts, dim=-1)
    pair = model.scale() * torch.einsum("bd,kpd->bkp", image_n, prompts_n)
    assert torch.allclose(probability, pair.softmax(dim=-1)[..., 0], atol=1e-6)
    assert torch.all((probability >= 0) & (probability <= 1))


def test_classifier_shared_by_image_and_text():
    model = image_only()
    latent = torch.randn(5, 32)
    assert torch.equal(model.classify(latent), model.classifier(latent))
    assert model.text_encoder is None
    with pytest.raises(RuntimeError, match="text encoder"):
        model.encode_texts(["No effusion."])
