"""Every chest CT finding must stay visible after preprocessing to a coarse training grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from greenrfm_core.phantom import chest
from greenrfm_core.phantom.chest import render_chest_ct
from greenrfm_core.phantom.chest_anatomy import ChestPatient
from greenrfm_core.phantom.chest_findings import CHEST_FINDINGS
from greenrfm_core.preprocess import load_spec, override_spec
from greenrfm_core.preprocess.transforms import preprocess_volume

# The phantom pipeline test grid: 7.5 x 7.5 x 10.7 mm, 48 x 48 x 24 voxels, chest window -1000 to 200 HU.
COARSE_SPACING = [7.5, 7.5, 10.7]
COARSE_SHAPE = [48, 48, 24]
# Emphysema darkens -850 HU lung to -1000 HU, at most 0.125 after windowing, so its floor is lower.
MIN_MEAN_DIFFERENCE = {"emphysema": 0.05}
DEFAULT_MIN_MEAN_DIFFERENCE = 0.1
MIN_CHANGED_VOXELS = 60


@pytest.fixture(scope="module")
def coarse_differences(monkeypatch_module):
    torch.set_num_threads(1)
    monkeypatch_module.setitem(chest.NOISE_SIGMA_HU, "small", 0.0)
    spec = override_spec(load_spec("chest-ct"), spacing=COARSE_SPACING, shape=COARSE_SHAPE)
    patient = ChestPatient.sample(np.random.default_rng(100))
    normal = preprocess_volume(render_chest_ct(patient, set(), np.random.default_rng(0))[0], spec)
    differences = {}
    for finding in CHEST_FINDINGS:
        volume, _ = render_chest_ct(patient, {finding}, np.random.default_rng(0))
        differences[finding] = np.abs(preprocess_volume(volume, spec) - normal)
    return differences


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("finding", CHEST_FINDINGS)
def test_finding_visible_on_coarse_grid(coarse_differences, finding):
    difference = coarse_differences[finding]
    region = difference > 0.02
    assert region.sum() >= MIN_CHANGED_VOXELS, f"{finding} changes only {region.sum()} voxels"
    floor = MIN_MEAN_DIFFERENCE.get(finding, DEFAULT_MIN_MEAN_DIFFERENCE)
    assert difference[region].mean() >= floor, f"{finding} mean difference {difference[region].mean():.3f}"
