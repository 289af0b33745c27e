"""Rule-based labeler: negation, uncertainty, sections, sentence splitting and evidence spans."""

from __future__ import annotations

import pytest

from greenrfm_core.labels.rules import RuleLabeler, synonym_to_pattern
from greenrfm_core.labels.text import split_sections, split_sentences

_LABELERS: dict[str, RuleLabeler] = {}


def _labeler(task: str) -> RuleLabeler:
    if task not in _LABELERS:
        _LABELERS[task] = RuleLabeler(task)
    return _LABELERS[task]


# A normal chest CT report in the phrasing of the CT-RATE dataset.
CT_RATE_NORMAL = (
    "Trachea, both main bronchi are open. Mediastinal main vascular structures, heart contour, size are normal. "
    "Pericardial effusion-thickening was not observed. No enlarged lymph nodes in prevascular, pre-paratracheal, "
    "subcarinal or bilateral hilar-axillary pathological dimensions were detected. When examined in the lung "
    "parenchyma window; Aeration of both lung parenchyma is normal and no nodular or infiltrative lesion is detected "
    "in the lung parenchyma. Pleural effusion-thickening was not detected."
)

# Reports written for these tests (not part of the benchmark sets): (task, report, finding, expected label).
CASES = [
    ("chest-ct", "No evidence of pleural effusion or pneumothorax.", "pleural_effusion", 0),
    ("chest-ct", "Atelectasis versus consolidation in the left lower lobe.", "atelectasis", -1),
    ("chest-ct", "Atelectasis versus consolidation in the left lower lobe.", "consolidation", -1),
    ("chest-ct", "Consolidation in the right lower lobe, likely infectious.", "consolidation", 1),
    ("chest-ct", "There is a 5 mm nodule in the right upper lobe, unchanged.", "lung_nodule", 1),
    ("chest-ct", "Emphysema cannot be excluded.", "emphysema", -1),
    ("chest-ct", "Findings are equivocal for bronchiectasis.", "bronchiectasis", -1),
    ("chest-ct", "The heart is not enlarged.", "cardiomegaly", 0),
    ("chest-ct", "Small left pleural effusion, unchanged from 2.5 cm. No pericardial effusion.", "pleural_effusion", 1),
    ("chest-ct", "Small left pleural effusion, unchanged from 2.5 cm. No pericardial effusion.", "pericardial_effusion", 0),
    ("chest-ct", "Pleural thickening at the left base.", "pleural_effusion", 0),
    ("chest-ct", "Coronary artery stents in place.", "coronary_artery_wall_calcification", 0),
    ("chest-ct", "Coronary artery stents in place.", "medical_material", 1),
    ("chest-ct", "Diffuse ground-glass opacity, possibly infectious.", "lung_opacity", 1),
    ("chest-ct", "A 6 mm ground-glass nodule in the left upper lobe.", "lung_opacity", 0),
    ("chest-ct", "Indication: rule out pneumonia and pleural effusion. Findings: Lungs are clear.", "pleural_effusion", 0),
    ("chest-ct", "Suspicious for lymphadenopathy in the mediastinum.", "lymphadenopathy", -1),
    ("chest-ct", "Free of consolidation.", "consolidation", 0),
    ("chest-ct", "Questionable mild bronchial wall thickening.", "peribronchial_thickening", -1),
    ("chest-ct", "两肺未见明显实变影及磨玻璃影。", "lung_opacity", 0),
    ("chest-ct", "两肺未见明显实变影及磨玻璃影。", "consolidation", 0),
    ("chest-ct", "右肺下叶实变，考虑感染性病变。", "consolidation", 1),
    ("chest-ct", "左肺下叶结节，疑似转移。", "lung_nodule", 1),
    ("chest-ct", "左肺下叶疑似小结节。", "lung_nodule", -1),
    ("chest-ct", "肺气肿不除外。", "emphysema", -1),
    ("chest-ct", "心包少量积液。", "pericardial_effusion", 1),
    ("chest-ct", "无胸腔积液。", "pleural_effusion", 0),
    ("chest-ct", "双侧胸腔积液已吸收。", "pleural_effusion", 0),
    ("chest-ct", "纵隔淋巴结未见肿大。", "lymphadenopathy", 0),
    ("chest-ct", "冠状动脉支架置入术后。", "medical_material", 1),
    ("chest-ct", "右肺中叶结节大小未见明显变化。", "lung_nodule", 1),
    ("knee-mri", "内侧半月板后角撕裂。", "meniscus_medial", 1),
    ("knee-mri", "内侧半月板后角撕裂。", "meniscus_lateral", 0),
    ("knee-mri", "外侧半月板未见撕裂，内侧半月板后角撕裂。", "meniscus_lateral", 0),
    ("knee-mri", "外侧半月板未见撕裂，内侧半月板后角撕裂。", "meniscus_medial", 1),
    ("knee-mri", "前交叉韧带走行连续，内侧副韧带撕裂。", "acl", 0),
    ("knee-mri", "前交叉韧带走行连续，内侧副韧带撕裂。", "mcl", 1),
    ("knee-mri", "Complete tear of the anterior cruciate ligament. Small joint effusion.", "acl", 1),
    ("knee-mri", "Complete tear of the anterior cruciate ligament. Small joint effusion.", "effusion_baker_cyst", 1),
    ("knee-mri", "The menisci are intact. No joint effusion.", "normal", 1),
    ("knee-mri", "The medial meniscus is intact. Tear of the lateral meniscus posterior horn.", "meniscus_medial", 0),
    ("knee-mri", "The medial meniscus is intact. Tear of the lateral meniscus posterior horn.", "meniscus_lateral", 1),
    ("knee-mri", "股骨内侧髁骨挫伤。", "fracture", 0),
    ("knee-mri", "股骨内侧髁骨挫伤。", "bone_marrow_edema", 1),
    ("knee-mri", "股骨内侧髁骨挫伤。", "normal", 0),
    ("spine-mri", "L4/5椎间盘突出，相应水平椎管狭窄。", "disc_protrusion_extrusion", 1),
    ("spine-mri", "L4/5椎间盘突出，相应水平椎管狭窄。", "stenosis", 1),
    ("spine-mri", "No spinal canal stenosis. No disc herniation.", "normal", 1),
    ("spine-mri", "Grade 1 anterolisthesis of L4 on L5.", "spondylolisthesis", 1),
    ("abdomen-ct", "Cholelithiasis without cholecystitis. No ascites.", "gallstones", 1),
    ("abdomen-ct", "Cholelithiasis without cholecystitis. No ascites.", "ascites", 0),
    ("abdomen-ct", "肝脏体积增大，脂肪肝。胆囊切除术后。", "surgically_absent_gallbladder", 1),
    ("spine-mri", "L3/4、L4/5椎间隙狭窄，椎间盘T2WI信号减低。", "stenosis", 0),
    ("spine-mri", "L3/4、L4/5椎间隙狭窄，椎间盘T2WI信号减低。", "disc_degeneration", 1),
    ("spine-mri", "L5/S1椎间盘向后突出，硬膜囊受压，双侧椎间孔变窄。", "stenosis", 1),
    ("spine-mri", "L4椎体向前I度滑脱。", "spondylolisthesis", 1),
    ("spine-mri", "L1椎体压缩性骨折。", "vertebral_compression_fracture", 1),
    ("spine-mri", "L1椎体压缩性骨折。", "normal", 0),
    ("spine-mri", "腰椎生理曲度存在，各椎间盘未见膨出及突出，椎管未见狭窄。", "normal", 1),
    ("spine-mri",
     "Disc desiccation at L4-5 with a broad-based disc bulge and mild bilateral neural foraminal narrowing.",
     "stenosis", 1),
    ("spine-mri",
     "Disc desiccation at L4-5 with a broad-based disc bulge and mild bilateral neural foraminal narrowing.",
     "disc_bulge", 1),
    ("spine-mri",
     "Disc desiccation at L4-5 with a broad-based disc bulge and mild bilateral neural foraminal narrowing.",
     "disc_degeneration", 1),
    ("spine-mri",
     "Type 1 Modic endplate changes at L5-S1. Status post L4-5 laminectomy.",
     "endplate_change", 1),
    ("spine-mri",
     "Type 1 Modic endplate changes at L5-S1. Status post L4-5 laminectomy.",
     "postoperative", 1),
    ("spine-mri", "No spinal canal stenosis or disc herniation.", "disc_protrusion_extrusion", 0),
    ("abdomen-ct",
     "The liver is enlarged with diffuse fatty infiltration. Small amount of free fluid in the pelvis.",
     "hepatomegaly", 1),
    ("abdomen-ct",
     "The liver is enlarged with diffuse fatty infiltration. Small amount of free fluid in the pelvis.",
     "hepatic_steatosis", 1),
    ("abdomen-ct",
     "The liver is enlarged with diffuse fatty infiltration. Small amount of free fluid in the pelvis.",
     "ascites", 1),
    ("abdomen-ct", "Simple cyst in the left kidney. No hydronephrosis.", "renal_cyst", 1),
    ("abdomen-ct", "Simple cyst in the left kidney. No hydronephrosis.", "hydronephrosis", 0),
    ("abdomen-ct", "胆囊内见多发结石。肝内外胆管未见扩张。腹腔未见积液。", "gallstones", 1),
    ("abdomen-ct", "胆囊内见多发结石。肝内外胆管未见扩张。腹腔未见积液。", "biliary_ductal_dilation", 0),
    ("abdomen-ct", "胆囊内见多发结石。肝内外胆管未见扩张。腹腔未见积液。", "ascites", 0),
    ("abdomen-ct", "脾脏增大。腹主动脉及髂动脉管壁钙化。", "splenomegaly", 1),
    ("abdomen-ct", "脾脏增大。腹主动脉及髂动脉管壁钙化。", "atherosclerosis", 1),
    ("abdomen-ct",
     "Dilated small bowel loops with a transition point, compatible with small bowel obstruction.",
     "bowel_obstruction", 1),
    ("abdomen-ct",
     "Free intraperitoneal air beneath the diaphragm, concerning for perforation.",
     "free_air", 1),
    ("chest-ct", CT_RATE_NORMAL, "pericardial_effusion", 0),
    ("chest-ct", CT_RATE_NORMAL, "pleural_effusion", 0),
    ("chest-ct", CT_RATE_NORMAL, "lymphadenopathy", 0),
    ("chest-ct", CT_RATE_NORMAL, "lung_nodule", 0),
    ("chest-ct", "Calcific atheroma plaques were observed in the aorta and coronary arteries.",
     "arterial_wall_calcification", 1),
    ("chest-ct", "Calcific atheroma plaques were observed in the aorta and coronary arteries.",
     "coronary_artery_wall_calcification", 1),
    ("chest-ct", "Millimetric nonspecific nodules were observed in both lungs.", "lung_nodule", 1),
    ("chest-ct", "Ground-glass densities are observed in both lungs.", "lung_opacity", 1),
    ("chest-ct", "右肺中叶条片影，考虑慢性炎症或不张。", "atelectasis", -1),
    ("chest-ct", "两肺未见结节或肿块。", "lung_nodule", 0),
    ("chest-ct", "左肺下叶实变较前吸收好转。", "consolidation", 1),
    ("chest-ct", "左肺下叶实变已基本吸收。", "consolidation", 0),
    ("chest-ct", "The endotracheal tube has been removed.", "medical_material", 0),
    ("chest-ct", "Left lower lobe opacity, atelectasis versus pneumonia.", "atelectasis", -1),
    ("chest-ct", "两肺纹理增多、紊乱，两肺下叶见斑片状密度增高影，边界模糊。", "lung_opacity", 1),
    ("chest-ct", "右肺上叶见磨玻璃结节，直径约8mm。", "lung_nodule", 1),
    ("chest-ct", "右肺上叶见磨玻璃结节，直径约8mm。", "lung_opacity", 0),
    ("chest-ct", "右肺上叶见混杂磨玻璃密度结节。", "lung_opacity", 0),
    ("chest-ct", "主动脉及冠状动脉管壁多发钙化斑块。", "arterial_wall_calcification", 1),
    ("chest-ct", "主动脉及冠状动脉管壁多发钙化斑块。", "coronary_artery_wall_calcification", 1),
    ("chest-ct", "心脏不大，心包未见积液。", "cardiomegaly", 0),
    ("chest-ct", "纵隔内见多发小淋巴结，部分钙化。", "lymphadenopathy", 0),
    ("chest-ct", "纵隔内见多发小淋巴结，部分钙化。", "arterial_wall_calcification", 0),
    ("chest-ct", "左侧胸膜增厚、粘连。", "pleural_effusion", 0),
    ("chest-ct", "右肺下叶后基底段见小结节灶，考虑炎性结节可能。", "lung_nodule", 1),
    ("chest-ct", "两肺多发肺大泡。", "emphysema", 1),
    ("chest-ct", "食道裂孔疝。", "hiatal_hernia", 1),
    ("chest-ct", "双侧胸腔积液并邻近肺组织受压不张。", "atelectasis", 1),
    ("chest-ct", "两下肺胸膜下网格影及蜂窝影。", "pulmonary_fibrotic_sequela", 1),
    ("chest-ct", "Small bilateral effusions.", "pleural_effusion", 1),
    ("chest-ct", "The cardiac silhouette is enlarged.", "cardiomegaly", 1),
    ("chest-ct", "No mediastinal, hilar or axillary lymphadenopathy.", "lymphadenopathy", 0),
    ("chest-ct", "Subcentimeter lymph nodes, not enlarged by CT criteria.", "lymphadenopathy", 0),
    ("chest-ct", "Nodular opacity in the right upper lobe.", "lung_nodule", 1),
    ("chest-ct", "Nodular opacity in the right upper lobe.", "lung_opacity", 0),
    ("chest-ct", "Tree-in-bud opacities in the left lower lobe.", "lung_opacity", 1),
    ("chest-ct", "Post-surgical changes of CABG with sternotomy wires.", "medical_material", 1),
    ("chest-ct", "Port-a-cath with tip in the SVC.", "medical_material", 1),
    ("chest-ct", "Bronchiectatic changes in the lingula.", "bronchiectasis", 1),
    ("chest-ct", "No new nodules.", "lung_nodule", 0),
]


@pytest.mark.parametrize(("task", "report", "finding", "expected"), CASES)
def test_rules_label_written_reports(task, report, finding, expected):
    result = _labeler(task).label("case", report)
    assert result.labels[finding] == expected, f"{finding} in {report!r}"


def test_sentences_keep_decimals_and_abbreviations():
    text = "A spiculated 2.3 cm nodule, e.g. in the apex. Atelectasis vs. scarring. 右肺结节。左肺正常"
    sentences = [sentence.text for sentence in split_sentences(text)]
    assert sentences == ["A spiculated 2.3 cm nodule, e.g. in the apex.", "Atelectasis vs. scarring.",
                         "右肺结节。", "左肺正常"]


def test_wrapped_line_keeps_negation_scope():
    report = "FINDINGS: There is no pleural\neffusion.\nMild cardiomegaly."
    assert [sentence.text for sentence in split_sentences(report)] == ["There is no pleural\neffusion.",
                                                                       "Mild cardiomegaly."]
    labels = _labeler("chest-ct").label("w", report).labels
    assert labels["pleural_effusion"] == 0
    assert labels["cardiomegaly"] == 1


def test_sections_found_and_history_ignored():
    text = "INDICATION: pleural effusion? FINDINGS: Lungs clear. IMPRESSION: Normal."
    sections = [(name, text[start:end].strip()) for name, start, end in split_sections(text)]
    assert sections == [("ignored", "pleural effusion?"), ("findings", "Lungs clear."),
                        ("impression", "Normal.")]
    chinese = "检查所见：两肺纹理清晰。诊断意见：未见异常。"
    assert [name for name, _, _ in split_sections(chinese)] == ["findings", "impression"]


def test_evidence_spans_point_into_report():
    report = "FINDINGS: No pleural effusion. Mild cardiomegaly. IMPRESSION: Possible small hiatal hernia."
    result = _labeler("chest-ct").label("s1", report)
    assert result.labels["cardiomegaly"] == 1
    assert result.labels["hiatal_hernia"] == -1
    assert result.labels["pleural_effusion"] == 0
    by_finding = {item.finding: item for item in result.evidence}
    assert set(by_finding) == {"cardiomegaly", "hiatal_hernia", "pleural_effusion"}
    for item in result.evidence:
        assert report[item.start:item.end] == item.sentence
        assert item.labeler == "rules"
    assert by_finding["hiatal_hernia"].section == "impression"
    assert by_finding["cardiomegaly"].section == "findings"


def test_positive_mention_wins_over_negated_elsewhere():
    report = "FINDINGS: Right lower lobe atelectasis. IMPRESSION: No consolidation or atelectasis elsewhere."
    result = _labeler("chest-ct").label("s2", report)
    assert result.labels["atelectasis"] == 1
    assert result.labels["consolidation"] == 0


def test_hedged_mention_wins_over_negated_elsewhere():
    report = "No pleural effusion on the left. Possible trace right pleural effusion."
    assert _labeler("chest-ct").label("s3", report).labels["pleural_effusion"] == -1


def test_unmentioned_findings_get_schema_value_and_no_evidence():
    result = _labeler("chest-ct").label("s4", "")
    assert set(result.labels.values()) == {0}
    assert result.evidence == []


def test_knee_normal_derived_from_other_findings():
    normal = _labeler("knee-mri").label("k1", "膝关节诸骨未见异常。关节腔未见积液。")
    abnormal = _labeler("knee-mri").label("k2", "关节腔少量积液。")
    uncertain = _labeler("knee-mri").label("k3", "滑膜炎可能。")
    assert normal.labels["normal"] == 1
    assert abnormal.labels["normal"] == 0
    assert uncertain.labels["normal"] == 0
    assert list(normal.labels) == _labeler("knee-mri").schema.finding_ids


def test_forced_language_skips_other_rules():
    labeler = RuleLabeler("chest-ct", language="en")
    assert labeler.label("z", "右肺结节。").labels["lung_nodule"] == 0


def test_synonym_pattern_handles_plural_and_hyphen():
    import re

    pattern = re.compile(synonym_to_pattern("ground-glass opacity", "en"), re.IGNORECASE)
    assert pattern.search("Ground glass opacities in both lungs")
    assert not pattern.search("groundglassy")


def test_invalid_language_rejected():
    with pytest.raises(ValueError, match="invalid language 'fr'"):
        RuleLabeler("chest-ct", language="fr")
