"""The fact guard's vocabulary, as plain data (no logic): edit terms here, not in the checker.

- :data:`EN_TERMS` / :data:`ZH_TERMS`: ``(pattern, concept, category)``. English patterns are
  regular expressions matched on word boundaries; Chinese patterns are literal substrings.
  English and Chinese terms map to the same concepts, so a Chinese patient text can be checked
  against an English report. Where patterns overlap, the checker keeps the longest match.
- :data:`LOC_FAMILY`: location concept -> organ family, used to check laterality.
- :data:`UNITS`, :data:`UNIT_RE`: unit spellings -> normalised unit, and the regex alternation
  that finds them after a number.
- :data:`WORD_NUMBERS`, :data:`ZH_DIGITS`: spelled-out numbers the checker reads.

The checker that uses these tables is :mod:`medgen.text.guard`.
"""

from __future__ import annotations

#: Category of a location term.
LOCATION = "location"
#: Category of a finding, diagnosis, descriptor or change term.
FINDING = "diagnosis"

#: location concept -> organ family used to check laterality.
LOC_FAMILY: dict[str, str] = {
    "upper lobe": "lung", "middle lobe": "lung", "lower lobe": "lung", "lingula": "lung",
    "lung": "lung", "pleura": "lung", "hilum": "lung", "hemithorax": "lung", "apex": "lung",
    "lung base": "lung", "fissure": "lung", "bronchus": "lung",
    "kidney": "kidney", "adrenal": "adrenal", "breast": "breast", "axilla": "axilla",
    "ovary": "ovary", "thyroid": "thyroid", "liver": "liver", "rib": "rib",
    "hemisphere": "brain", "frontal lobe": "brain", "parietal lobe": "brain",
    "temporal lobe": "brain", "occipital lobe": "brain", "brain": "brain", "ventricle": "brain",
    "clavicle": "clavicle", "shoulder": "shoulder", "hip": "hip", "femur": "femur",
    "diaphragm": "diaphragm", "hemidiaphragm": "diaphragm", "neck": "neck",
    "pelvis": "pelvis", "chest": "lung", "thorax": "lung", "ureter": "kidney",
}

EN_TERMS: list[tuple[str, str, str]] = [
    # locations
    (r"upper lobes?", "upper lobe", LOCATION), (r"middle lobes?", "middle lobe", LOCATION),
    (r"lower lobes?", "lower lobe", LOCATION), (r"lingula(?:r)?", "lingula", LOCATION),
    (r"lungs?|pulmonary", "lung", LOCATION), (r"pleura|pleural", "pleura", LOCATION),
    (r"hil(?:um|a|ar)", "hilum", LOCATION), (r"hemithorax", "hemithorax", LOCATION),
    (r"apex|apices|apical", "apex", LOCATION), (r"lung bases?|basal|bases", "lung base", LOCATION),
    (r"fissures?", "fissure", LOCATION), (r"bronch(?:us|i|ial)", "bronchus", LOCATION),
    (r"mediastin(?:um|al)", "mediastinum", LOCATION), (r"heart|cardiac", "heart", LOCATION),
    (r"pericardi(?:um|al)", "pericardium", LOCATION), (r"aort(?:a|ic)", "aorta", LOCATION),
    (r"trachea", "trachea", LOCATION), (r"(?:o)?esophag(?:us|eal)", "esophagus", LOCATION),
    (r"thyroid", "thyroid", LOCATION), (r"liver|hepatic", "liver", LOCATION),
    (r"gallbladder", "gallbladder", LOCATION), (r"spleen|splenic", "spleen", LOCATION),
    (r"pancrea(?:s|tic)", "pancreas", LOCATION), (r"kidneys?|renal", "kidney", LOCATION),
    (r"adrenals?(?: glands?)?", "adrenal", LOCATION), (r"bowel|intestin(?:e|al)", "bowel", LOCATION),
    (r"colon|colonic", "colon", LOCATION), (r"(?:urinary )?bladder", "bladder", LOCATION),
    (r"prostate", "prostate", LOCATION), (r"uter(?:us|ine)", "uterus", LOCATION),
    (r"ovar(?:y|ies|ian)", "ovary", LOCATION), (r"ribs?", "rib", LOCATION),
    (r"spine|spinal|vertebra[el]?|vertebral", "spine", LOCATION),
    (r"brain|cerebral", "brain", LOCATION), (r"breasts?", "breast", LOCATION),
    (r"axilla(?:e|ry)?", "axilla", LOCATION), (r"stomach|gastric", "stomach", LOCATION),
    (r"(?:hemi)?diaphragm(?:atic)?", "diaphragm", LOCATION), (r"neck", "neck", LOCATION),
    (r"abdomen|abdominal", "abdomen", LOCATION), (r"pelvis|pelvic", "pelvis", LOCATION),
    (r"chest|thorax|thoracic", "chest", LOCATION), (r"head", "head", LOCATION),
    (r"clavicle", "clavicle", LOCATION), (r"sternum|sternal", "sternum", LOCATION),
    (r"frontal lobe", "frontal lobe", LOCATION), (r"parietal lobe", "parietal lobe", LOCATION),
    (r"temporal lobe", "temporal lobe", LOCATION), (r"occipital lobe", "occipital lobe", LOCATION),
    (r"hemispheres?", "hemisphere", LOCATION), (r"ventricles?", "ventricle", LOCATION),
    (r"ureters?", "ureter", LOCATION), (r"shoulder", "shoulder", LOCATION), (r"hip", "hip", LOCATION),
    (r"femur|femoral", "femur", LOCATION),
    # findings, diagnoses, descriptors, change terms
    (r"nodul(?:e|es|ar)|spots?", "nodule", FINDING), (r"mass(?:es)?|lumps?", "mass", FINDING),
    (r"lesions?", "lesion", FINDING), (r"opacit(?:y|ies)", "opacity", FINDING),
    (r"pericardial effusions?", "pericardial effusion", FINDING),
    (r"(?:pleural )?effusions?", "effusion", FINDING), (r"pneumothora(?:x|ces)", "pneumothorax", FINDING),
    (r"consolidat(?:ion|ions|ed)", "consolidation", FINDING), (r"atelecta(?:sis|tic)", "atelectasis", FINDING),
    (r"emphysema(?:tous)?", "emphysema", FINDING), (r"fibros(?:is|ing)|fibrotic", "fibrosis", FINDING),
    (r"bronchiectasis", "bronchiectasis", FINDING),
    (r"lymphadenopathy|(?:enlarged|suspicious|pathologic(?:al)?)(?: \w+)? (?:lymph )?nodes",
     "lymphadenopathy", FINDING),
    (r"cysts?|cystic", "cyst", FINDING), (r"calcifi(?:ed|cation|cations)", "calcified", FINDING),
    (r"granulomas?|granulomatous", "granuloma", FINDING), (r"hamartomas?", "hamartoma", FINDING),
    (r"pneumonia|pneumonitis", "pneumonia", FINDING), (r"infect(?:ion|ions|ious|ed)", "infection", FINDING),
    (r"inflammat(?:ion|ory)", "inflammation", FINDING),
    (r"cancers?|malignan(?:cy|cies|t)|carcinomas?|adenocarcinomas?|neoplas(?:m|ms|tic)|tumou?rs?",
     "malignancy", FINDING),
    (r"metasta(?:sis|ses|tic)", "metastasis", FINDING), (r"lymphoma", "lymphoma", FINDING),
    (r"benign", "benign", FINDING), (r"suspicious", "suspicious", FINDING),
    (r"o?edema(?:tous)?", "edema", FINDING), (r"emboli(?:sm|us)?", "embolism", FINDING),
    (r"fractur(?:e|es|ed)", "fracture", FINDING), (r"hernias?", "hernia", FINDING),
    (r"calcul(?:us|i)|stones?", "calculus", FINDING), (r"aneurysm(?:al)?", "aneurysm", FINDING),
    (r"cardiomegaly", "cardiomegaly", FINDING), (r"thicken(?:ing|ed)", "thickening", FINDING),
    (r"scar(?:ring|s)?", "scarring", FINDING), (r"infiltrates?", "infiltrate", FINDING),
    (r"abscess(?:es)?", "abscess", FINDING), (r"tuberculosis", "tuberculosis", FINDING),
    (r"sarcoid(?:osis)?", "sarcoidosis", FINDING), (r"haemorrhage|hemorrhag(?:e|ic)|bleed(?:ing)?", "hemorrhage", FINDING),
    (r"ground[- ]glass", "ground-glass", FINDING), (r"part[- ]solid|semi[- ]?solid", "part-solid", FINDING),
    (r"solid", "solid", FINDING), (r"spiculat(?:ed|ion)", "spiculated", FINDING),
    (r"cavitat(?:ion|ing|ed|ory)|cavitary", "cavitation", FINDING), (r"lobulated", "lobulated", FINDING),
    (r"hydronephrosis", "hydronephrosis", FINDING), (r"ascites|free fluid", "ascites", FINDING),
    (r"steatosis|fatty liver", "steatosis", FINDING), (r"infarcts?|infarction", "infarct", FINDING),
    (r"thromb(?:us|osis|i)", "thrombosis", FINDING), (r"stenos(?:is|es)", "stenosis", FINDING),
    (r"haemangioma|hemangioma", "hemangioma", FINDING), (r"adenomas?", "adenoma", FINDING),
    (r"unremarkable", "unremarkable", FINDING),
    (r"indeterminate|inconclusive|equivocal", "indeterminate", FINDING),
    (r"stable|stability", "stable", FINDING), (r"unchanged", "unchanged", FINDING),
    (r"interval", "interval", FINDING), (r"enlarging|grow(?:ing|n|th)", "growth", FINDING),
    (r"increas(?:ed|ing) in size", "growth", FINDING), (r"decreas(?:ed|ing) in size|shrunk|shrinking", "shrinking", FINDING),
    (r"new (?:nodules?|lesions?|opacit(?:y|ies)|masse?s?|findings?)", "new finding", FINDING),
    (r"resolv(?:ed|ing)|resolution", "resolved", FINDING), (r"improv(?:ed|ing|ement)", "improved", FINDING),
    (r"worsen(?:ed|ing)|progress(?:ion|ed|ing)", "worsened", FINDING),
]

ZH_TERMS: list[tuple[str, str, str]] = [
    ("上叶", "upper lobe", LOCATION), ("中叶", "middle lobe", LOCATION), ("下叶", "lower lobe", LOCATION),
    ("舌段", "lingula", LOCATION), ("肺部", "lung", LOCATION), ("肺", "lung", LOCATION),
    ("胸膜", "pleura", LOCATION), ("肺门", "hilum", LOCATION), ("纵隔", "mediastinum", LOCATION),
    ("心包", "pericardium", LOCATION), ("心脏", "heart", LOCATION), ("主动脉", "aorta", LOCATION),
    ("气管", "trachea", LOCATION), ("食管", "esophagus", LOCATION), ("甲状腺", "thyroid", LOCATION),
    ("肝脏", "liver", LOCATION), ("肝", "liver", LOCATION), ("胆囊", "gallbladder", LOCATION),
    ("脾", "spleen", LOCATION), ("胰腺", "pancreas", LOCATION), ("肾脏", "kidney", LOCATION),
    ("肾", "kidney", LOCATION), ("肾上腺", "adrenal", LOCATION), ("肠", "bowel", LOCATION),
    ("膀胱", "bladder", LOCATION), ("前列腺", "prostate", LOCATION), ("子宫", "uterus", LOCATION),
    ("卵巢", "ovary", LOCATION), ("肋骨", "rib", LOCATION), ("脊柱", "spine", LOCATION),
    ("椎体", "spine", LOCATION), ("脑", "brain", LOCATION), ("乳腺", "breast", LOCATION),
    ("乳房", "breast", LOCATION), ("腋窝", "axilla", LOCATION), ("胃", "stomach", LOCATION),
    ("膈", "diaphragm", LOCATION), ("颈部", "neck", LOCATION), ("腹部", "abdomen", LOCATION),
    ("盆腔", "pelvis", LOCATION), ("胸部", "chest", LOCATION), ("胸腔", "chest", LOCATION),
    ("头部", "head", LOCATION),
    ("结节", "nodule", FINDING), ("小斑点", "nodule", FINDING), ("肿块", "mass", FINDING),
    ("病灶", "lesion", FINDING), ("病变", "lesion", FINDING), ("阴影", "opacity", FINDING),
    ("心包积液", "pericardial effusion", FINDING), ("积液", "effusion", FINDING),
    ("气胸", "pneumothorax", FINDING), ("实变", "consolidation", FINDING), ("肺不张", "atelectasis", FINDING),
    ("肺气肿", "emphysema", FINDING), ("纤维化", "fibrosis", FINDING), ("支气管扩张", "bronchiectasis", FINDING),
    ("淋巴结肿大", "lymphadenopathy", FINDING), ("囊肿", "cyst", FINDING), ("囊性", "cyst", FINDING),
    ("钙化", "calcified", FINDING), ("肉芽肿", "granuloma", FINDING), ("错构瘤", "hamartoma", FINDING),
    ("肺炎", "pneumonia", FINDING), ("感染", "infection", FINDING), ("炎症", "inflammation", FINDING),
    ("癌症", "malignancy", FINDING), ("癌", "malignancy", FINDING), ("恶性", "malignancy", FINDING),
    ("肿瘤", "malignancy", FINDING), ("转移", "metastasis", FINDING), ("淋巴瘤", "lymphoma", FINDING),
    ("良性", "benign", FINDING), ("可疑", "suspicious", FINDING), ("水肿", "edema", FINDING),
    ("栓塞", "embolism", FINDING), ("骨折", "fracture", FINDING), ("结石", "calculus", FINDING),
    ("动脉瘤", "aneurysm", FINDING), ("增厚", "thickening", FINDING), ("瘢痕", "scarring", FINDING),
    ("结核", "tuberculosis", FINDING), ("出血", "hemorrhage", FINDING),
    ("磨玻璃", "ground-glass", FINDING), ("部分实性", "part-solid", FINDING),
    ("混合性", "part-solid", FINDING), ("实性", "solid", FINDING), ("毛刺", "spiculated", FINDING),
    ("肾积水", "hydronephrosis", FINDING), ("腹水", "ascites", FINDING), ("脂肪肝", "steatosis", FINDING),
    ("梗死", "infarct", FINDING), ("血栓", "thrombosis", FINDING), ("狭窄", "stenosis", FINDING),
    ("血管瘤", "hemangioma", FINDING), ("腺瘤", "adenoma", FINDING),
    ("稳定", "stable", FINDING), ("无变化", "unchanged", FINDING), ("没有变化", "unchanged", FINDING),
    ("增大", "growth", FINDING), ("长大", "growth", FINDING), ("缩小", "shrinking", FINDING),
    ("新发", "new finding", FINDING), ("吸收", "resolved", FINDING), ("好转", "improved", FINDING),
    ("恶化", "worsened", FINDING), ("进展", "worsened", FINDING),
]

UNITS: dict[str, str] = {
    "mm": "mm", "millimeter": "mm", "millimeters": "mm", "millimetre": "mm", "millimetres": "mm",
    "毫米": "mm", "cm": "cm", "centimeter": "cm", "centimeters": "cm", "centimetre": "cm",
    "centimetres": "cm", "厘米": "cm", "mm3": "mm3", "mm³": "mm3", "cc": "ml", "ml": "ml",
    "hu": "hu", "%": "%", "percent": "%", "month": "month", "months": "month", "个月": "month",
    "月": "month", "year": "year", "years": "year", "年": "year", "week": "week", "weeks": "week",
    "周": "week", "day": "day", "days": "day", "天": "day", "mg": "mg", "kg": "kg",
    "msv": "msv", "mgy": "mgy", "kv": "kv", "kvp": "kv", "mas": "mas",
}
UNIT_RE = (
    r"mm3|mm³|millimet(?:er|re)s?|centimet(?:er|re)s?|mm|cm|cc|ml|hu|%|percent|months?|years?|"
    r"weeks?|days?|mg|kg|msv|mgy|kvp|kv|mas|毫米|厘米|个月|月|年|周|天"
)
WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20, "twenty-four": 24,
}
ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}
