"""Free-text reports (English or Simplified Chinese) whose wording matches the phantom's labels.

Each present finding is stated plainly (label 1) or hedged (label -1, "Possible ...", "可疑..."). A few absent
findings are negated ("No pleural effusion.", "未见胸腔积液。"), and the rest are not mentioned (label 0).
Synonyms vary between reports so a labeler cannot rely on a single phrase.
"""

from __future__ import annotations

import numpy as np

# Finding id -> (English synonyms, Chinese synonyms). The first synonym is the usual term.
TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "medical_material": (
        ("a cardiac pacemaker with its lead", "an implanted device with a lead", "medical material"),
        ("心脏起搏器及导线", "置入物", "医疗器械影"),
    ),
    "arterial_wall_calcification": (
        ("aortic wall calcification", "calcified atherosclerotic plaque of the aorta"),
        ("主动脉壁钙化", "主动脉硬化钙化斑"),
    ),
    "cardiomegaly": (
        ("cardiomegaly", "an enlarged heart", "enlargement of the cardiac silhouette"),
        ("心影增大", "心脏增大"),
    ),
    "pericardial_effusion": (("pericardial effusion", "fluid in the pericardial sac"), ("心包积液",)),
    "coronary_artery_wall_calcification": (
        ("coronary artery calcification", "calcified coronary plaque"),
        ("冠状动脉钙化", "冠脉钙化"),
    ),
    "hiatal_hernia": (("hiatal hernia", "a hiatus hernia"), ("食管裂孔疝",)),
    "lymphadenopathy": (
        ("mediastinal lymphadenopathy", "enlarged mediastinal lymph nodes"),
        ("纵隔淋巴结肿大", "纵隔多发肿大淋巴结"),
    ),
    "emphysema": (("emphysema", "centrilobular emphysematous change"), ("肺气肿", "肺气肿改变")),
    "atelectasis": (
        ("basal atelectasis", "subsegmental atelectasis", "atelectasis"),
        ("肺不张", "肺底部肺不张"),
    ),
    "lung_nodule": (("pulmonary nodules", "a lung nodule", "nodules in the lung"), ("肺结节", "肺内结节")),
    "lung_opacity": (
        ("ground-glass opacity", "patchy lung opacity"),
        ("磨玻璃密度影", "肺内斑片状密度增高影"),
    ),
    "pulmonary_fibrotic_sequela": (
        ("fibrotic sequelae", "fibrotic bands in the lung", "fibrous stripes"),
        ("纤维条索影", "肺纤维化改变"),
    ),
    "pleural_effusion": (("pleural effusion", "pleural fluid"), ("胸腔积液", "胸水")),
    "mosaic_attenuation_pattern": (
        ("mosaic attenuation", "a mosaic attenuation pattern"),
        ("马赛克征", "马赛克样密度"),
    ),
    "peribronchial_thickening": (
        ("peribronchial thickening", "bronchial wall thickening"),
        ("支气管周围增厚", "支气管壁增厚"),
    ),
    "consolidation": (
        ("consolidation", "airspace consolidation with air bronchograms"),
        ("实变影", "肺实变"),
    ),
    "bronchiectasis": (("bronchiectasis", "dilated bronchi"), ("支气管扩张",)),
    "interlobular_septal_thickening": (
        ("interlobular septal thickening", "thickened interlobular septa"),
        ("小叶间隔增厚",),
    ),
    "meniscus_medial": (
        ("a tear of the medial meniscus", "medial meniscal tear"),
        ("内侧半月板撕裂", "内侧半月板损伤"),
    ),
    "meniscus_lateral": (
        ("a tear of the lateral meniscus", "lateral meniscal tear"),
        ("外侧半月板撕裂", "外侧半月板损伤"),
    ),
    "acl": (("an anterior cruciate ligament tear", "ACL rupture"), ("前交叉韧带撕裂", "前交叉韧带断裂")),
    "pcl": (("a posterior cruciate ligament tear", "PCL injury"), ("后交叉韧带撕裂", "后交叉韧带损伤")),
    "mcl": (("a medial collateral ligament sprain", "MCL injury"), ("内侧副韧带损伤",)),
    "lcl": (("a lateral collateral ligament injury", "LCL sprain"), ("外侧副韧带损伤",)),
    "cartilage": (("a focal cartilage defect", "chondral defect"), ("软骨缺损", "关节软骨损伤")),
    "bone_marrow_edema": (("bone marrow edema", "marrow oedema in the femoral condyle"), ("骨髓水肿",)),
    "fracture": (("a tibial plateau fracture", "a fracture of the proximal tibia"), ("胫骨平台骨折", "骨折")),
    "effusion_baker_cyst": (
        ("joint effusion with a Baker cyst", "knee effusion and popliteal cyst"),
        ("关节积液伴腘窝囊肿", "关节腔积液及贝克囊肿"),
    ),
    "synovitis_bursitis": (
        ("prepatellar bursitis and synovitis", "synovitis"),
        ("滑膜炎及髌前滑囊炎", "滑膜炎"),
    ),
    "postoperative": (
        ("postoperative change after ACL reconstruction", "post-surgical change with fixation screws"),
        ("前交叉韧带重建术后改变", "术后改变"),
    ),
    "degenerative_oa": (
        ("degenerative osteoarthritis", "osteoarthritic change with osteophytes"),
        ("退行性骨关节病", "骨关节炎"),
    ),
}

PRESENT = {
    "en": ("There is {term}.", "{Term} is present.", "{Term} is noted.", "Findings include {term}."),
    "zh": ("可见{term}。", "见{term}。", "{term}。"),
}
HEDGED = {
    "en": (
        "Possible {term}.",
        "{Term} cannot be excluded.",
        "Questionable {term}.",
        "Suspicious for {term}.",
    ),
    "zh": ("可疑{term}。", "{term}可能。", "不除外{term}。", "考虑{term}可能。"),
}
ABSENT = {
    "en": ("No {term}.", "No evidence of {term}.", "{Term} is not seen."),
    "zh": ("未见{term}。", "无{term}。", "未见明显{term}。"),
}
HEADERS = {
    "en": ("FINDINGS:", "IMPRESSION:", "No significant abnormality.", "Otherwise unremarkable."),
    "zh": ("检查所见：", "诊断意见：", "未见明显异常。", "余未见明显异常。"),
}
NO_ARTICLE = ("a ", "an ")
ARTICLE_TEMPLATES = ("There is", "Findings include")


def _strip_article(term: str) -> str:
    for article in NO_ARTICLE:
        if term.startswith(article):
            return term[len(article) :]
    return term


def _sentence(template: str, term: str, language: str) -> str:
    if language != "en":
        return template.format(term=term)
    # English keeps "a"/"an" only where the template reads as a noun phrase ("There is a ...").
    if not template.startswith(ARTICLE_TEMPLATES):
        term = _strip_article(term)
    if "{Term}" in template:
        return template.format(Term=term[0].upper() + term[1:])
    return template.format(term=term)


def write_report(
    labels: dict[str, int],
    rng: np.random.Generator,
    language: str = "en",
    negated_count: tuple[int, int] = (2, 6),
) -> str:
    """Write a report whose mentions match ``labels`` (finding id -> 1 present, -1 hedged, 0 absent).

    Absent findings are negated for a random few (``negated_count`` range) and otherwise left unmentioned,
    which a labeler reads as 0.
    """
    if language not in HEADERS:
        raise ValueError(f"report language must be 'en' or 'zh'; got {language!r}")
    language_index = 0 if language == "en" else 1
    sentences = []
    present_terms = []
    absent = [finding for finding, value in labels.items() if value == 0 and finding in TERMS]
    rng.shuffle(absent)
    negated = set(absent[: int(rng.integers(negated_count[0], negated_count[1] + 1))])
    for finding, value in labels.items():
        if finding not in TERMS:
            continue
        synonyms = TERMS[finding][language_index]
        term = synonyms[int(rng.integers(len(synonyms)))]
        if value == 1:
            templates = PRESENT[language]
            present_terms.append(term)
        elif value == -1:
            templates = HEDGED[language]
        elif finding in negated:
            templates = ABSENT[language]
        else:
            continue
        template = templates[int(rng.integers(len(templates)))]
        sentences.append(_sentence(template, term, language))
    rng.shuffle(sentences)
    findings_header, impression_header, normal_text, otherwise = HEADERS[language]
    separator = " " if language == "en" else ""
    body = separator.join(sentences + [otherwise]) if sentences else normal_text
    if present_terms:
        joined = (
            ", ".join(_strip_article(t) for t in present_terms)
            if language == "en"
            else "、".join(present_terms)
        )
        impression = (joined[0].upper() + joined[1:] + ".") if language == "en" else joined + "。"
    else:
        impression = normal_text
    return (
        f"{findings_header} {body}\n{impression_header} {impression}"
        if language == "en"
        else f"{findings_header}{body}\n{impression_header}{impression}"
    )
