"""Finding schemas: built-in task contents and validation of user schema files."""

from __future__ import annotations

import json

import pytest

from greenrfm_core.schemas import SchemaError, list_tasks, load_schema

CHEST_IDS = [
    "medical_material", "arterial_wall_calcification", "cardiomegaly", "pericardial_effusion",
    "coronary_artery_wall_calcification", "hiatal_hernia", "lymphadenopathy", "emphysema", "atelectasis",
    "lung_nodule", "lung_opacity", "pulmonary_fibrotic_sequela", "pleural_effusion",
    "mosaic_attenuation_pattern", "peribronchial_thickening", "consolidation", "bronchiectasis",
    "interlobular_septal_thickening",
]
KNEE_IDS = ["meniscus_medial", "meniscus_lateral", "acl", "pcl", "mcl", "lcl", "cartilage", "bone_marrow_edema",
            "fracture", "effusion_baker_cyst", "synovitis_bursitis", "postoperative", "degenerative_oa", "normal"]
SPINE_IDS = ["disc_degeneration", "disc_bulge", "disc_protrusion_extrusion", "spondylolisthesis", "stenosis",
             "endplate_change", "vertebral_compression_fracture", "postoperative", "normal"]


def test_list_tasks_names_builtins():
    assert list_tasks() == ["abdomen-ct", "chest-ct", "knee-mri", "spine-mri"]


def test_chest_ct_ids_follow_ct_rate():
    assert load_schema("chest-ct").finding_ids == CHEST_IDS


def test_mri_ids_and_derived_normal():
    knee = load_schema("knee-mri")
    spine = load_schema("spine-mri")
    assert knee.finding_ids == KNEE_IDS
    assert spine.finding_ids == SPINE_IDS
    assert knee.finding("normal").derived == "all_others_absent"
    assert spine.finding("normal").derived == "all_others_absent"


def test_abdomen_ct_has_30_findings():
    schema = load_schema("abdomen-ct")
    assert len(schema.findings) == 30
    assert len(set(schema.finding_ids)) == 30
    assert "Merlin" in schema.description
    for finding_id in ("ascites", "splenomegaly", "gallstones", "renal_cyst", "hydronephrosis", "appendicitis",
                       "bowel_obstruction", "free_air", "fracture", "atherosclerosis"):
        assert finding_id in schema.finding_ids


@pytest.mark.parametrize("task", ["abdomen-ct", "chest-ct", "knee-mri", "spine-mri"])
def test_every_finding_is_bilingual(task):
    schema = load_schema(task)
    assert schema.unmentioned == 0
    for finding in schema.findings:
        for language in ("en", "zh"):
            assert finding.name[language]
            assert finding.prompts[language]["present"] != finding.prompts[language]["absent"]
            if not finding.derived:
                assert finding.synonyms[language], f"{task}/{finding.id} has no {language} synonyms"


def test_custom_schema_file_loads(tmp_path):
    with open(load_schema("chest-ct").source, encoding="utf-8") as handle:
        document = json.load(handle)
    document["task"] = "my-chest"
    document["findings"] = document["findings"][:3]
    path = tmp_path / "my-chest.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    schema = load_schema(path)
    assert schema.task == "my-chest"
    assert schema.finding_ids == CHEST_IDS[:3]
    assert schema.digest != load_schema("chest-ct").digest


def _write(tmp_path, document):
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _finding(**overrides):
    finding = {"id": "effusion", "name": {"en": "Effusion", "zh": "积液"},
               "synonyms": {"en": ["effusion"], "zh": ["积液"]},
               "prompts": {"en": {"present": "Effusion.", "absent": "No effusion."},
                           "zh": {"present": "积液。", "absent": "无积液。"}}}
    finding.update(overrides)
    return finding


def test_missing_field_error_names_finding_and_file(tmp_path):
    finding = _finding()
    del finding["prompts"]
    path = _write(tmp_path, {"task": "custom", "findings": [finding]})
    with pytest.raises(SchemaError) as error:
        load_schema(path)
    message = str(error.value)
    assert "missing field 'prompts'" in message
    assert "finding 'effusion'" in message
    assert str(path) in message


def test_missing_language_and_bad_values_rejected(tmp_path):
    finding = _finding(name={"en": "Effusion"})
    with pytest.raises(SchemaError, match=r"missing field 'name\.zh'"):
        load_schema(_write(tmp_path, {"task": "custom", "findings": [finding]}))
    with pytest.raises(SchemaError, match="'unmentioned'"):
        load_schema(_write(tmp_path, {"task": "custom", "unmentioned": 2, "findings": [_finding()]}))
    with pytest.raises(SchemaError, match="duplicate finding id"):
        load_schema(_write(tmp_path, {"task": "custom", "findings": [_finding(), _finding()]}))
    with pytest.raises(SchemaError, match="invalid id"):
        load_schema(_write(tmp_path, {"task": "custom", "findings": [_finding(id="Bad Id")]}))


def test_unreadable_and_unknown_schemas(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="cannot read schema file"):
        load_schema(broken)
    with pytest.raises(SchemaError, match="unknown task 'lung-xray'"):
        load_schema("lung-xray")
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "absent.json")
