"""Guard fixture set: sources (template drafts) and rewrites, clean or with one planted error.

``expect`` is "clean" or the kind of the planted fabrication (number, unit, laterality,
negation, invented). Written as a radiologist would reword, independently of the unit tests.
"""

from __future__ import annotations

SOURCES = {
    "rul_nodule": (
        "EXAMINATION: CT chest without contrast. Indication: Chronic cough.\n"
        "TECHNIQUE: CT of the chest was performed without contrast.\n"
        "COMPARISON: None.\n"
        "FINDINGS: A 7 mm solid nodule in the right upper lobe. No pleural effusion. "
        "No pneumothorax. No mediastinal lymphadenopathy.\n"
        "IMPRESSION: A 7 mm solid nodule in the right upper lobe. Fleischner risk category: low. "
        "Recommendation: CT at 6-12 months, then consider CT at 18-24 months (Fleischner Society "
        "2017 guidelines for incidental pulmonary nodules)."
    ),
    "ggo_lll": (
        "EXAMINATION: CT chest with IV contrast. Indication: Staging.\n"
        "TECHNIQUE: CT of the chest was performed with IV contrast.\n"
        "COMPARISON: CT chest 2025-06-03.\n"
        "FINDINGS: A 9 mm ground-glass nodule in the left lower lobe. A 3 mm solid nodule in the "
        "right middle lobe. No consolidation. No pleural effusion.\n"
        "IMPRESSION: A 9 mm ground-glass nodule in the left lower lobe. A 3 mm solid nodule in the "
        "right middle lobe. Fleischner risk category: high. Recommendation: CT at 3-6 months; "
        "subsequent management based on the most suspicious nodule(s) (Fleischner Society 2017 "
        "guidelines for incidental pulmonary nodules)."
    ),
    "abdomen": (
        "EXAMINATION: CT abdomen with IV contrast. Indication: Right upper quadrant pain.\n"
        "TECHNIQUE: CT of the abdomen was performed with IV contrast.\n"
        "COMPARISON: None.\n"
        "FINDINGS: A 2.4 cm cystic lesion in the left kidney. A 6 mm calcified stone in the "
        "gallbladder. No free fluid. No hydronephrosis. No lymphadenopathy.\n"
        "IMPRESSION: A 2.4 cm cystic lesion in the left kidney. A 6 mm calcified stone in the "
        "gallbladder."
    ),
    "part_solid": (
        "EXAMINATION: CT chest without contrast. Indication: Incidental nodule on chest X-ray.\n"
        "TECHNIQUE: CT of the chest was performed without contrast. Images were also reviewed "
        "after enhancement (GAN denoise run 4).\n"
        "COMPARISON: None.\n"
        "FINDINGS: A 14 mm part-solid nodule in the left upper lobe with a 5 mm solid component. "
        "No emphysema. No pleural effusion. No pneumothorax.\n"
        "IMPRESSION: A 14 mm part-solid nodule in the left upper lobe with a 5 mm solid component. "
        "Fleischner risk category: high. Recommendation: CT at 3-6 months to confirm persistence; "
        "if unchanged and the solid component remains <6 mm, annual CT for 5 years (Fleischner "
        "Society 2017 guidelines for incidental pulmonary nodules)."
    ),
    "no_findings": (
        "EXAMINATION: CT chest without contrast. Indication: Dyspnea.\n"
        "TECHNIQUE: CT of the chest was performed without contrast.\n"
        "COMPARISON: None.\n"
        "FINDINGS: No pulmonary nodule. No consolidation. No pleural effusion. No pericardial "
        "effusion. No pneumothorax.\n"
        "IMPRESSION: No pulmonary nodule. No consolidation. No pleural effusion."
    ),
}

CASES: list[tuple[str, str, str]] = [
    # ---- clean rewrites ----------------------------------------------------------------------
    ("rul_nodule", "clean",
     "EXAMINATION: Non-contrast CT of the chest for chronic cough.\nTECHNIQUE: Axial CT images of "
     "the chest were obtained without contrast.\nCOMPARISON: None.\nFINDINGS: There is a 7 mm solid "
     "nodule in the right upper lobe. There is no pleural effusion or pneumothorax. No mediastinal "
     "lymphadenopathy is seen.\nIMPRESSION: 7 mm solid right upper lobe nodule. Recommendation: CT "
     "at 6-12 months, then consider CT at 18-24 months (Fleischner Society 2017 guidelines for "
     "incidental pulmonary nodules)."),
    ("rul_nodule", "clean",
     "FINDINGS: A solid nodule measuring 7 mm is present in the right upper lobe. Pleural effusion "
     "and pneumothorax are absent. No enlarged mediastinal lymph nodes.\nIMPRESSION: Solid nodule "
     "of the right upper lobe, 7 mm. Follow-up CT at 6-12 months is recommended per the Fleischner "
     "Society 2017 guidelines, then consider CT at 18-24 months."),
    ("rul_nodule", "clean",
     "IMPRESSION: Right upper lobe solid nodule (7 mm) in a low-risk patient. Recommend CT in 6 to "
     "12 months, with consideration of a further CT at 18 to 24 months."),
    ("rul_nodule", "clean",
     "FINDINGS: In the right upper lobe there is a 0.7 cm solid nodule. The pleural spaces show no "
     "effusion and there is no pneumothorax."),
    ("ggo_lll", "clean",
     "EXAMINATION: Contrast-enhanced CT of the chest for staging.\nCOMPARISON: CT chest dated "
     "2025-06-03.\nFINDINGS: There is a 9 mm ground-glass nodule in the left lower lobe and a 3 mm "
     "solid nodule in the right middle lobe. No consolidation or pleural effusion is present."),
    ("ggo_lll", "clean",
     "IMPRESSION: 1. Left lower lobe ground-glass nodule measuring 9 mm. 2. Right middle lobe solid "
     "nodule measuring 3 mm. Recommend CT at 3-6 months, with subsequent management based on the "
     "most suspicious nodule (Fleischner Society 2017)."),
    ("ggo_lll", "clean",
     "FINDINGS: A ground-glass nodule of 9 mm is seen in the left lower lobe. A small 3 mm solid "
     "nodule is noted in the right middle lobe. There is no pleural effusion."),
    ("abdomen", "clean",
     "EXAMINATION: CT of the abdomen with intravenous contrast for right upper quadrant pain.\n"
     "FINDINGS: A 2.4 cm cystic lesion is present in the left kidney. There is a 6 mm calcified "
     "gallstone in the gallbladder. No free fluid or hydronephrosis. No lymphadenopathy."),
    ("abdomen", "clean",
     "IMPRESSION: 1. Cystic lesion of the left kidney, 2.4 cm. 2. Calcified gallbladder stone "
     "measuring 6 mm."),
    ("abdomen", "clean",
     "FINDINGS: The left kidney contains a cystic lesion measuring 24 mm. A calcified stone of 6 mm "
     "lies within the gallbladder. There is no lymphadenopathy."),
    ("part_solid", "clean",
     "TECHNIQUE: Non-contrast CT of the chest; images were also reviewed after enhancement (GAN "
     "denoise run 4).\nFINDINGS: There is a part-solid nodule in the left upper lobe measuring 14 "
     "mm, with a solid component of 5 mm. There is no emphysema, pleural effusion or pneumothorax."),
    ("part_solid", "clean",
     "IMPRESSION: 14 mm part-solid left upper lobe nodule with a 5 mm solid component in a high-risk "
     "patient. Recommend CT at 3-6 months to confirm persistence; if unchanged and the solid "
     "component remains <6 mm, annual CT for 5 years (Fleischner Society 2017)."),
    ("part_solid", "clean",
     "FINDINGS: A 1.4 cm part-solid nodule is seen in the left upper lobe; its solid portion "
     "measures 5 mm. No pneumothorax."),
    ("no_findings", "clean",
     "FINDINGS: No pulmonary nodules are identified. There is no consolidation. There is no pleural "
     "or pericardial effusion, and no pneumothorax.\nIMPRESSION: No pulmonary nodule, consolidation "
     "or pleural effusion."),
    ("no_findings", "clean",
     "EXAMINATION: Non-contrast chest CT for dyspnea.\nIMPRESSION: No pulmonary nodule. No "
     "consolidation. No pleural effusion."),
    ("no_findings", "clean",
     "FINDINGS: The lungs are free of nodules and consolidation. Pleural effusion is not seen. "
     "Pericardial effusion is absent."),
    # ---- changed numbers ---------------------------------------------------------------------
    ("rul_nodule", "number",
     "FINDINGS: There is a 9 mm solid nodule in the right upper lobe. No pleural effusion."),
    ("rul_nodule", "number",
     "IMPRESSION: 7 mm solid right upper lobe nodule. Recommend CT at 3-6 months."),
    ("ggo_lll", "number",
     "FINDINGS: A 12 mm ground-glass nodule in the left lower lobe and a 3 mm solid nodule in the "
     "right middle lobe."),
    ("abdomen", "number",
     "FINDINGS: A 4.2 cm cystic lesion in the left kidney. A 6 mm calcified gallbladder stone."),
    ("part_solid", "number",
     "FINDINGS: A 14 mm part-solid nodule in the left upper lobe with an 8 mm solid component."),
    ("ggo_lll", "number",
     "COMPARISON: CT chest 2025-07-03.\nFINDINGS: A 9 mm ground-glass nodule in the left lower lobe."),
    ("no_findings", "number",
     "FINDINGS: No pulmonary nodule larger than 4 mm. No consolidation."),
    # ---- changed units -----------------------------------------------------------------------
    ("rul_nodule", "unit",
     "FINDINGS: A 7 cm solid nodule is seen in the right upper lobe."),
    ("abdomen", "unit",
     "FINDINGS: A 2.4 mm cystic lesion in the left kidney and a 6 mm calcified gallstone."),
    ("part_solid", "unit",
     "FINDINGS: A 14 cm part-solid nodule in the left upper lobe with a 5 mm solid component."),
    ("rul_nodule", "unit",
     "IMPRESSION: 7 mm right upper lobe solid nodule. CT at 6-12 weeks, then consider CT at 18-24 "
     "months."),
    ("ggo_lll", "unit",
     "FINDINGS: A 9 cm ground-glass nodule in the left lower lobe."),
    # ---- laterality flips --------------------------------------------------------------------
    ("rul_nodule", "laterality",
     "FINDINGS: There is a 7 mm solid nodule in the left upper lobe. No pleural effusion."),
    ("ggo_lll", "laterality",
     "FINDINGS: A 9 mm ground-glass nodule in the right lower lobe and a 3 mm solid nodule in the "
     "right middle lobe."),
    ("abdomen", "laterality",
     "IMPRESSION: 1. Cystic lesion of the right kidney, 2.4 cm. 2. Calcified gallbladder stone."),
    ("part_solid", "laterality",
     "IMPRESSION: 14 mm part-solid nodule in the right upper lobe with a 5 mm solid component."),
    ("rul_nodule", "laterality",
     "FINDINGS: A 7 mm solid nodule in the upper lobe of the left lung."),
    ("no_findings", "laterality",
     "FINDINGS: No pulmonary nodule. Small left pleural thickening. No pneumothorax."),
    # ---- negation flips ----------------------------------------------------------------------
    ("rul_nodule", "negation",
     "FINDINGS: A 7 mm solid nodule in the right upper lobe. Small pleural effusion. No "
     "pneumothorax."),
    ("rul_nodule", "negation",
     "FINDINGS: A 7 mm solid nodule in the right upper lobe with mediastinal lymphadenopathy."),
    ("ggo_lll", "negation",
     "FINDINGS: A 9 mm ground-glass nodule in the left lower lobe with surrounding consolidation."),
    ("abdomen", "negation",
     "FINDINGS: A 2.4 cm cystic lesion in the left kidney with mild hydronephrosis. Trace free "
     "fluid in the pelvis."),
    ("part_solid", "negation",
     "FINDINGS: Background emphysema. A 14 mm part-solid nodule in the left upper lobe."),
    ("no_findings", "negation",
     "IMPRESSION: A small pulmonary nodule. No consolidation. No pleural effusion."),
    ("no_findings", "negation",
     "FINDINGS: There is a small pneumothorax. No pleural effusion."),
    ("rul_nodule", "negation",
     "FINDINGS: No pulmonary nodule is seen. No pleural effusion."),
    # ---- invented findings / diagnoses -------------------------------------------------------
    ("rul_nodule", "invented",
     "IMPRESSION: 7 mm solid right upper lobe nodule, most likely a benign granuloma."),
    ("rul_nodule", "invented",
     "FINDINGS: A 7 mm spiculated solid nodule in the right upper lobe, suspicious for malignancy."),
    ("ggo_lll", "invented",
     "FINDINGS: A 9 mm ground-glass nodule in the left lower lobe, stable compared with the prior "
     "study. A 3 mm solid nodule in the right middle lobe."),
    ("abdomen", "invented",
     "FINDINGS: A 2.4 cm cystic lesion in the left kidney. A 6 mm calcified gallstone. Hepatic "
     "steatosis with a 1 cm cyst in the liver."),
    ("part_solid", "invented",
     "FINDINGS: A 14 mm part-solid nodule in the left upper lobe with a 5 mm solid component, "
     "consistent with adenocarcinoma."),
    ("no_findings", "invented",
     "FINDINGS: No pulmonary nodule. Mild bibasal atelectasis. No pleural effusion."),
    ("abdomen", "invented",
     "IMPRESSION: Left renal cystic lesion, 2.4 cm, with a small splenic infarct."),
    ("ggo_lll", "invented",
     "FINDINGS: A 9 mm ground-glass nodule in the left lower lobe. Small hiatal hernia."),
]

# ---- held-out batch: written after the first guard run and its two fixes, then run once ------
SOURCES["multi_solid"] = (
    "EXAMINATION: CT chest without contrast. Indication: Weight loss.\n"
    "TECHNIQUE: CT of the chest was performed without contrast.\n"
    "COMPARISON: CT chest 2024-11-20.\n"
    "FINDINGS: A 6 mm solid nodule in the left upper lobe. A 4 mm solid nodule in the right "
    "lower lobe. A 1.5 cm hypodense lesion in the liver. No pleural effusion. No hilar "
    "lymphadenopathy.\n"
    "IMPRESSION: A 6 mm solid nodule in the left upper lobe. A 4 mm solid nodule in the right lower "
    "lobe. A 1.5 cm hypodense lesion in the liver. Fleischner risk category: high. Recommendation: "
    "CT at 3-6 months, then CT at 18-24 months (Fleischner Society 2017 guidelines for incidental "
    "pulmonary nodules)."
)

HELD_OUT: list[tuple[str, str, str]] = [
    ("multi_solid", "clean",
     "FINDINGS: Two solid pulmonary nodules are present: 6 mm in the left upper lobe and 4 mm in "
     "the right lower lobe. There is a 1.5 cm hypodense liver lesion. No pleural effusion or hilar "
     "lymphadenopathy."),
    ("multi_solid", "clean",
     "IMPRESSION: 1. Left upper lobe solid nodule, 6 mm. 2. Right lower lobe solid nodule, 4 mm. "
     "3. Hypodense hepatic lesion measuring 15 mm. Follow-up CT at 3-6 months, then at 18-24 "
     "months, per Fleischner Society 2017 (high-risk patient)."),
    ("multi_solid", "clean",
     "COMPARISON: Prior CT of the chest from 2024-11-20.\nFINDINGS: The hila show no enlarged lymph "
     "nodes. Pleural effusion is not present."),
    ("rul_nodule", "clean",
     "IMPRESSION: Solitary 7 mm solid nodule, right upper lobe. Per Fleischner Society 2017 "
     "guidelines (low-risk), CT at 6-12 months and consider CT at 18-24 months."),
    ("abdomen", "clean",
     "FINDINGS: Within the left kidney there is a cystic lesion of 2.4 cm. The gallbladder contains "
     "a calcified stone measuring 6 mm. Hydronephrosis is absent and there is no free fluid."),
    ("ggo_lll", "clean",
     "FINDINGS: Pure ground-glass nodule in the left lower lobe, 9 mm. Tiny solid nodule, 3 mm, right "
     "middle lobe. The lungs show no consolidation; the pleural spaces are clear of effusion."),
    ("part_solid", "clean",
     "IMPRESSION: Part-solid nodule in the left upper lobe, 14 mm overall with a 5 mm solid "
     "component. CT at 3-6 months to confirm persistence (Fleischner Society 2017)."),
    ("no_findings", "clean",
     "IMPRESSION: No pulmonary nodule, consolidation or pleural effusion is identified."),
    ("multi_solid", "number",
     "FINDINGS: A 6 mm solid nodule in the left upper lobe and a 5 mm solid nodule in the right "
     "lower lobe."),
    ("multi_solid", "unit",
     "FINDINGS: A 1.5 mm hypodense lesion in the liver."),
    ("multi_solid", "laterality",
     "FINDINGS: A 6 mm solid nodule in the right upper lobe. A 4 mm solid nodule in the right lower "
     "lobe."),
    ("multi_solid", "negation",
     "FINDINGS: Small bilateral pleural effusions. Solid nodules as described."),
    ("multi_solid", "invented",
     "IMPRESSION: A 1.5 cm hypodense lesion in the liver, compatible with a metastasis."),
    ("rul_nodule", "invented",
     "FINDINGS: A 7 mm solid nodule in the right upper lobe. Mild centrilobular emphysema."),
    ("abdomen", "laterality",
     "FINDINGS: A 2.4 cm cystic lesion in the kidney on the right."),
    ("ggo_lll", "negation",
     "IMPRESSION: No ground-glass nodule. A 3 mm solid nodule in the right middle lobe."),
]
