"""Held-out guard set v2 (issue 11): data only.

Written from clinical knowledge, independently of the guard (its code and vocabulary and the older case
sets were not opened while this file was written). Nobody may tune the guard on these cases: improve the
guard on the older sets only and run this set to report.

Each case pairs a realistic signed English report section (FINDINGS + IMPRESSION) with a candidate text:
an English rewording a careful model could produce (``language="en"``), or a plain-language Chinese
explanation for the patient checked against the English report (``language="zh"``). ``planted`` is None
for a faithful candidate, else a short label of the single error planted in it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeldoutCase:
    """One source/candidate pair of the held-out set."""

    id: str
    domain: str  # neuro | chest | abdomen | musculoskeletal
    language: str  # en | zh (zh: Chinese patient text against the English report)
    source: str
    candidate: str
    planted: str | None  # None: faithful; else the one planted error


# ---------------------------------------------------------------------------------------------------------
# Source reports
# ---------------------------------------------------------------------------------------------------------

NEURO_SDH = """FINDINGS: There is an acute left frontoparietal subdural hematoma measuring up to 8 mm in thickness, \
with associated 4 mm rightward midline shift. No intraventricular extension of hemorrhage. The basal cisterns are \
patent. No acute territorial infarct. Mild periventricular white matter hypoattenuation, consistent with chronic \
small vessel ischemic change. No calvarial fracture. The visualized paranasal sinuses and mastoid air cells are clear.
IMPRESSION:
1. Acute left frontoparietal subdural hematoma, up to 8 mm thick, with 4 mm rightward midline shift.
2. No skull fracture.
3. Mild chronic small vessel ischemic change."""

NEURO_MENINGIOMA = """FINDINGS: There is a 2.1 cm extra-axial, dural-based, homogeneously enhancing mass along the \
right frontal convexity with a dural tail, without surrounding vasogenic edema. There is no mass effect on the \
adjacent brain parenchyma. A 6 mm nonenhancing cyst is present in the pineal gland. No restricted diffusion to \
suggest acute infarct. The ventricles are normal in size; no hydrocephalus. No susceptibility artifact to suggest \
prior hemorrhage. The orbits are unremarkable.
IMPRESSION:
1. 2.1 cm right frontal convexity meningioma without edema or mass effect.
2. Incidental 6 mm pineal cyst.
3. No acute intracranial abnormality."""

NEURO_STROKE = """FINDINGS: Restricted diffusion in the left middle cerebral artery territory involving the left \
insula and frontal operculum, with corresponding FLAIR hyperintensity, consistent with acute infarct. No \
hemorrhagic transformation. No midline shift. The ventricles are normal in size. Scattered punctate T2/FLAIR white \
matter hyperintensities, mild. Normal flow voids in the major intracranial arteries.
IMPRESSION: Acute left MCA territory infarct involving the insula and frontal operculum, without hemorrhagic \
transformation. Mild chronic white matter changes."""

NEURO_CSPINE = """FINDINGS: At C5-C6 there is a broad-based disc osteophyte complex causing moderate central canal \
stenosis and severe left neural foraminal narrowing. At C6-C7 there is a small right paracentral disc protrusion \
without cord contact. The spinal cord is normal in signal, with no syrinx. Vertebral body heights are maintained. \
No marrow edema. The craniocervical junction is normal.
IMPRESSION:
1. C5-C6 disc osteophyte complex with moderate central canal stenosis and severe left neural foraminal narrowing.
2. Small right paracentral disc protrusion at C6-C7 without cord contact.
3. Normal cord signal."""

CHEST_NODULES = """FINDINGS: Lungs: A 7 mm solid nodule in the right upper lobe (series 3, image 45). A 4 mm solid \
nodule in the left lower lobe. Mild centrilobular emphysema, upper lobe predominant. No consolidation. No pleural \
effusion or pneumothorax. Mediastinum: No enlarged mediastinal or hilar lymph nodes. The heart is normal in size. \
No pericardial effusion. Mild coronary artery calcification.
IMPRESSION:
1. 7 mm solid right upper lobe nodule and 4 mm solid left lower lobe nodule.
2. Mild centrilobular emphysema.
3. No thoracic lymphadenopathy."""

CHEST_PE = """FINDINGS: Filling defects in the right lower lobe segmental and subsegmental pulmonary arteries, \
consistent with acute pulmonary emboli. The main pulmonary artery is not enlarged, measuring 2.7 cm. The RV/LV \
ratio is 0.8; no CT evidence of right heart strain. Small left pleural effusion with adjacent atelectasis. No \
pulmonary infarct. No pneumothorax.
IMPRESSION:
1. Acute right lower lobe segmental and subsegmental pulmonary emboli.
2. No CT evidence of right heart strain.
3. Small left pleural effusion."""

CHEST_CXR = """FINDINGS: Airspace consolidation in the right lower lobe, compatible with pneumonia. Small right \
pleural effusion. The left lung is clear. No pneumothorax. The cardiomediastinal silhouette is within normal \
limits. Mild degenerative changes of the thoracic spine.
IMPRESSION: Right lower lobe pneumonia with a small right pleural effusion."""

CHEST_PARTSOLID = """FINDINGS: A 14 mm part-solid nodule in the left upper lobe with a 6 mm solid component. A few \
scattered subcentimeter mediastinal lymph nodes, not enlarged by size criteria. Stable 9 mm calcified granuloma in \
the right middle lobe. No pleural effusion. The thyroid is unremarkable. Visualized upper abdomen: 1.2 cm simple \
hepatic cyst.
IMPRESSION:
1. 14 mm part-solid left upper lobe nodule with a 6 mm solid component.
2. Calcified granuloma in the right middle lobe, benign.
3. Simple hepatic cyst."""

ABD_CYST = """FINDINGS: Liver: Normal in size, no focal lesion. Gallbladder: Multiple gallstones without gallbladder \
wall thickening or pericholecystic fluid. Bile ducts: Not dilated. Pancreas: Unremarkable. Spleen: Normal. \
Kidneys: 3.2 cm simple cyst in the lower pole of the left kidney (Bosniak I). No hydronephrosis. No renal calculi. \
Bowel: Scattered sigmoid diverticula without diverticulitis. The appendix is normal. No free fluid or free air. No \
lymphadenopathy.
IMPRESSION:
1. Cholelithiasis without acute cholecystitis.
2. 3.2 cm Bosniak I simple cyst of the left kidney; no follow-up imaging is needed.
3. Sigmoid diverticulosis without diverticulitis."""

ABD_APPENDIX = """FINDINGS: The appendix is dilated to 11 mm with wall thickening and periappendiceal fat stranding. \
An appendicolith is present at the appendiceal base. No periappendiceal abscess. No extraluminal free air. Small \
amount of free fluid in the pelvis. The terminal ileum is normal.
IMPRESSION: Acute uncomplicated appendicitis with an appendicolith. No abscess or perforation."""

ABD_LIVER_US = """FINDINGS: The liver is enlarged, measuring 18 cm in craniocaudal length, and diffusely \
echogenic, consistent with moderate hepatic steatosis. A 1.8 cm well-circumscribed hyperechoic lesion in segment 6, \
compatible with a hemangioma. A 9 mm hyperechoic lesion in segment 2, likely also a hemangioma. The gallbladder is \
normal, without stones. The common bile duct measures 4 mm. The right kidney measures 10.8 cm without \
hydronephrosis. No ascites.
IMPRESSION:
1. Hepatomegaly with moderate hepatic steatosis.
2. Two probable hepatic hemangiomas: 1.8 cm in segment 6 and 9 mm in segment 2."""

ABD_STONE = """FINDINGS: A 6 mm obstructing calculus at the right ureterovesical junction with moderate right \
hydroureteronephrosis and perinephric fat stranding. Two nonobstructing 3 mm calculi in the lower pole of the left \
kidney. The bladder is partially distended and unremarkable. The prostate is mildly enlarged. No free fluid.
IMPRESSION:
1. 6 mm obstructing calculus at the right ureterovesical junction with moderate right hydroureteronephrosis.
2. Nonobstructing 3 mm calculi in the left kidney."""

MSK_WRIST = """FINDINGS: Right wrist, three views. Non-displaced transverse fracture of the scaphoid waist. No \
other fracture. The distal radioulnar joint is congruent. No dislocation. Mild soft tissue swelling over the radial \
aspect of the wrist. Bone mineralization is normal.
IMPRESSION: Non-displaced fracture of the right scaphoid waist."""

MSK_KNEE = """FINDINGS: Left knee MRI. Complex tear of the posterior horn of the medial meniscus extending to the \
inferior articular surface. The lateral meniscus is intact. The anterior and posterior cruciate ligaments are \
intact. Grade 1 sprain of the medial collateral ligament. Moderate joint effusion. A 2.5 cm Baker cyst. \
Partial-thickness cartilage loss over the medial femoral condyle.
IMPRESSION:
1. Complex tear of the posterior horn of the medial meniscus.
2. Grade 1 medial collateral ligament sprain.
3. Moderate joint effusion and 2.5 cm Baker cyst."""

MSK_SHOULDER = """FINDINGS: Right shoulder MRI. Full-thickness tear of the supraspinatus tendon at the footprint, \
measuring 1.2 cm in anteroposterior width, with 1.5 cm of retraction. No supraspinatus muscle atrophy or fatty \
infiltration. The infraspinatus and subscapularis tendons are intact. Mild tendinosis of the intra-articular long \
head of the biceps tendon. Mild acromioclavicular joint osteoarthritis. Small subacromial-subdeltoid bursal \
effusion.
IMPRESSION: Full-thickness supraspinatus tendon tear, 1.2 cm wide with 1.5 cm retraction, without muscle atrophy \
or fatty infiltration."""

MSK_HIP = """FINDINGS: AP pelvis and left hip. Moderate osteoarthritis of the left hip with superolateral joint \
space narrowing, subchondral sclerosis and marginal osteophytes. Mild osteoarthritis of the right hip. No fracture. \
No lytic or sclerotic bone lesion. The sacroiliac joints are normal.
IMPRESSION: Moderate left hip osteoarthritis. Mild right hip osteoarthritis. No fracture."""


# ---------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------

CASES: list[HeldoutCase] = [
    # ----------------------------------------------------------------- neuro, English
    HeldoutCase(
        "neuro-en-01", "neuro", "en", NEURO_SDH,
        """FINDINGS: Acute subdural haematoma in the left frontoparietal region, maximal thickness 8 mm, producing \
4 mm of midline shift to the right. No extension into the ventricles. Basal cisterns remain patent. No calvarial \
fracture. No acute territorial infarction. Mild periventricular white matter low attenuation in keeping with chronic \
small vessel ischaemia. Paranasal sinuses and mastoid air cells are clear.
IMPRESSION:
1. Acute left frontoparietal subdural haematoma measuring up to 8 mm with 4 mm rightward midline shift.
2. No fracture of the skull.
3. Mild chronic small vessel ischaemic changes.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-02", "neuro", "en", NEURO_SDH,
        """There is a fresh collection of blood between the brain and its covering on the left side, toward the \
front and top of the head (an acute subdural hematoma). It is up to 8 mm thick and pushes the middle of the brain \
4 mm toward the right. The blood has not spread into the fluid spaces inside the brain. There is no break in the \
skull. There are mild, long-standing changes from small blood vessel disease in the white matter of the brain.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-03", "neuro", "en", NEURO_SDH,
        """FINDINGS: Acute right frontoparietal subdural hematoma measuring up to 8 mm in thickness, with 4 mm \
rightward midline shift. No intraventricular extension. Basal cisterns are patent. No acute territorial infarct. \
Mild periventricular white matter hypoattenuation consistent with chronic small vessel ischemic change. No \
calvarial fracture.
IMPRESSION: Acute right frontoparietal subdural hematoma, up to 8 mm thick, with 4 mm rightward midline shift. \
No skull fracture. Mild chronic small vessel ischemic change.""",
        "laterality changed (left -> right subdural hematoma)",
    ),
    HeldoutCase(
        "neuro-en-04", "neuro", "en", NEURO_SDH,
        """FINDINGS: An acute left frontoparietal subdural hematoma measures up to 12 mm in thickness and causes \
4 mm of rightward midline shift. There is no intraventricular extension, and the basal cisterns are patent. No \
acute territorial infarct. Mild chronic small vessel ischemic change in the periventricular white matter. No \
calvarial fracture. Clear paranasal sinuses and mastoid air cells.
IMPRESSION:
1. Acute left frontoparietal subdural hematoma, up to 12 mm thick, with 4 mm rightward midline shift.
2. No skull fracture.
3. Mild chronic small vessel ischemic change.""",
        "size changed (hematoma 8 mm -> 12 mm)",
    ),
    HeldoutCase(
        "neuro-en-05", "neuro", "en", NEURO_MENINGIOMA,
        """FINDINGS: Along the right frontal convexity there is a homogeneously enhancing, dural-based extra-axial \
mass measuring 2.1 cm, with a dural tail. There is no vasogenic edema around it and it exerts no mass effect on \
the adjacent brain. Incidental 6 mm nonenhancing pineal cyst. Diffusion-weighted images show no restricted \
diffusion. Ventricles are of normal size without hydrocephalus. No susceptibility artifact. Orbits are unremarkable.
IMPRESSION:
1. Right frontal convexity meningioma, 2.1 cm, without edema or mass effect.
2. Incidental pineal cyst, 6 mm.
3. No acute intracranial abnormality.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-06", "neuro", "en", NEURO_MENINGIOMA,
        """IMPRESSION: No acute intracranial abnormality. A 2.1 cm meningioma along the right frontal convexity, \
with no surrounding edema and no mass effect. An incidental 6 mm pineal cyst.
FINDINGS: The right frontal convexity mass is extra-axial and dural-based, enhances homogeneously and has a dural \
tail. No restricted diffusion, no hydrocephalus and no evidence of prior hemorrhage. The pineal cyst does not \
enhance. Unremarkable orbits.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-07", "neuro", "en", NEURO_MENINGIOMA,
        """FINDINGS: There is a 6 mm extra-axial, dural-based, homogeneously enhancing mass along the right frontal \
convexity with a dural tail, without vasogenic edema or mass effect. A 2.1 cm nonenhancing cyst is present in the \
pineal gland. No restricted diffusion. No hydrocephalus. No susceptibility artifact. Orbits unremarkable.
IMPRESSION:
1. 6 mm right frontal convexity meningioma without edema or mass effect.
2. Incidental 2.1 cm pineal cyst.
3. No acute intracranial abnormality.""",
        "size swapped between two lesions (meningioma 2.1 cm <-> pineal cyst 6 mm)",
    ),
    HeldoutCase(
        "neuro-en-08", "neuro", "en", NEURO_STROKE,
        """FINDINGS: There is an acute infarct in the left MCA territory, involving the left insula and the frontal \
operculum, with restricted diffusion and matching FLAIR hyperintensity. There is no hemorrhagic transformation and \
no midline shift. Ventricular size is normal. A few punctate T2/FLAIR hyperintensities are scattered in the white \
matter, mild in degree. The major intracranial arteries show normal flow voids.
IMPRESSION: Acute infarct in the left middle cerebral artery territory (insula and frontal operculum) without \
hemorrhagic transformation. Mild chronic white matter changes.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-09", "neuro", "en", NEURO_STROKE,
        """FINDINGS: Restricted diffusion with corresponding FLAIR hyperintensity in the left middle cerebral \
artery territory, involving the left insula and frontal operculum, consistent with acute infarct. No hemorrhagic \
transformation. No midline shift. Normal ventricular size. Mild scattered punctate white matter T2/FLAIR \
hyperintensities. A small cavernoma is noted in the right temporal lobe. Normal intracranial flow voids.
IMPRESSION: Acute left MCA territory infarct involving the insula and frontal operculum, without hemorrhagic \
transformation. Mild chronic white matter changes.""",
        "invented finding (cavernoma)",
    ),
    HeldoutCase(
        "neuro-en-10", "neuro", "en", NEURO_CSPINE,
        """FINDINGS: C5-C6: broad-based disc osteophyte complex with moderate narrowing of the central canal and \
severe narrowing of the left neural foramen. C6-C7: small right paracentral disc protrusion that does not contact \
the cord. Normal cord signal; no syrinx. Vertebral body heights are preserved without marrow edema. Normal \
craniocervical junction.
IMPRESSION:
1. Moderate central canal stenosis and severe left foraminal narrowing at C5-C6 from a disc osteophyte complex.
2. Small right paracentral protrusion at C6-C7 without cord contact.
3. Normal signal in the spinal cord.""",
        None,
    ),
    HeldoutCase(
        "neuro-en-11", "neuro", "en", NEURO_CSPINE,
        """FINDINGS: At C5-C6 a broad-based disc osteophyte complex causes moderate central canal stenosis and \
severe left neural foraminal narrowing. At C6-C7 a small right paracentral disc protrusion is seen without cord \
contact. There is a syrinx within the cervical cord. Vertebral body heights are maintained. No marrow edema. The \
craniocervical junction is normal.
IMPRESSION:
1. C5-C6 disc osteophyte complex with moderate central canal stenosis and severe left neural foraminal narrowing.
2. Small right paracentral disc protrusion at C6-C7 without cord contact.""",
        "negation flip (no syrinx -> syrinx present)",
    ),
    HeldoutCase(
        "neuro-en-12", "neuro", "en", NEURO_CSPINE,
        """FINDINGS: At C5-C6 there is a broad-based disc osteophyte complex causing mild central canal stenosis \
and severe left neural foraminal narrowing. At C6-C7, small right paracentral disc protrusion without cord \
contact. Normal cord signal, no syrinx. Vertebral body heights maintained; no marrow edema.
IMPRESSION:
1. C5-C6 disc osteophyte complex with mild central canal stenosis and severe left neural foraminal narrowing.
2. Small right paracentral disc protrusion at C6-C7.
3. Normal cord signal.""",
        "severity changed (moderate -> mild central canal stenosis)",
    ),
    # ----------------------------------------------------------------- neuro, Chinese patient text
    HeldoutCase(
        "neuro-zh-01", "neuro", "zh", NEURO_SDH,
        """检查发现您头部左侧额顶部的大脑表面有一处新鲜出血，医学上叫急性硬膜下血肿，最厚的地方约8毫米。\
这处出血把大脑的中线向右推移了4毫米。出血没有进入脑室。没有发现颅骨骨折。另外，脑白质有轻度的慢性小血管缺血改变。""",
        None,
    ),
    HeldoutCase(
        "neuro-zh-02", "neuro", "zh", NEURO_SDH,
        """检查发现您头部左侧额顶部的大脑表面有一处新鲜出血（急性硬膜下血肿），最厚约8毫米，使大脑中线向右移动了4毫米。\
出血没有进入脑室。发现颅骨骨折。另外，脑白质有轻度的慢性小血管缺血改变。""",
        "dropped negation (no skull fracture -> skull fracture)",
    ),
    HeldoutCase(
        "neuro-zh-03", "neuro", "zh", NEURO_STROKE,
        """磁共振显示您大脑左侧大脑中动脉供血的区域（包括岛叶和额叶盖部）有急性脑梗死，也就是新近发生的缺血性中风。\
梗死的区域没有出血。大脑中线没有移位，脑室大小正常。脑白质有少量轻度的慢性改变。脑内主要动脉的血流信号正常。""",
        None,
    ),
    HeldoutCase(
        "neuro-zh-04", "neuro", "zh", NEURO_MENINGIOMA,
        """磁共振发现您右侧额部的脑膜上长有一个2.1厘米的脑膜瘤，它长在大脑外面，周围的脑组织没有水肿，也没有受到压迫。\
松果体有一个6毫米的小囊肿，是偶然发现的。没有发现急性的脑部问题。建议6个月后复查磁共振。""",
        "invented follow-up recommendation (MRI in 6 months)",
    ),
    # ----------------------------------------------------------------- chest, English
    HeldoutCase(
        "chest-en-01", "chest", "en", CHEST_NODULES,
        """FINDINGS: There is a solid 7 mm nodule in the right upper lobe (series 3, image 45) and a solid 4 mm \
nodule in the left lower lobe. Mild upper lobe predominant centrilobular emphysema. The lungs are otherwise without \
consolidation. No pleural effusion and no pneumothorax. No mediastinal or hilar lymphadenopathy. Normal heart size \
without pericardial effusion. Mild calcification of the coronary arteries.
IMPRESSION:
1. Solid pulmonary nodules: 7 mm in the right upper lobe and 4 mm in the left lower lobe.
2. Mild centrilobular emphysema.
3. No lymphadenopathy in the chest.""",
        None,
    ),
    HeldoutCase(
        "chest-en-02", "chest", "en", CHEST_NODULES,
        """The scan shows two small solid spots (nodules) in the lungs: one of 7 mm in the upper part of the right \
lung and one of 4 mm in the lower part of the left lung. There is mild emphysema, a type of damage to the small \
air sacs, mostly in the upper parts of the lungs. There is no pneumonia, no fluid around the lungs and no collapsed \
lung. The lymph nodes in the middle of the chest are not enlarged. The heart is a normal size with no fluid around \
it. There is a small amount of calcium in the heart arteries.""",
        None,
    ),
    HeldoutCase(
        "chest-en-03", "chest", "en", CHEST_NODULES,
        """FINDINGS: A 7 mm solid nodule in the right upper lobe (series 3, image 45) and a 4 mm solid nodule in \
the left lower lobe. Mild upper lobe predominant centrilobular emphysema. No consolidation, pleural effusion or \
pneumothorax. No enlarged mediastinal or hilar lymph nodes. Normal heart size, no pericardial effusion. Mild \
coronary artery calcification.
IMPRESSION:
1. 7 mm solid right upper lobe nodule and 4 mm solid left lower lobe nodule. Follow-up chest CT in 6 to 12 \
months is recommended.
2. Mild centrilobular emphysema.
3. No thoracic lymphadenopathy.""",
        "invented follow-up recommendation (CT in 6-12 months)",
    ),
    HeldoutCase(
        "chest-en-04", "chest", "en", CHEST_NODULES,
        """FINDINGS: Solid nodules measuring 7 mm in the right upper lobe (series 3, image 45) and 4 mm in the left \
lower lobe. Mild centrilobular emphysema with upper lobe predominance and a 3 cm bulla at the right apex. No \
consolidation. No pleural effusion or pneumothorax. No mediastinal or hilar lymphadenopathy. Heart normal in size; \
no pericardial effusion. Mild coronary artery calcification.
IMPRESSION:
1. 7 mm solid right upper lobe nodule and 4 mm solid left lower lobe nodule.
2. Mild centrilobular emphysema.
3. No thoracic lymphadenopathy.""",
        "invented finding (3 cm apical bulla)",
    ),
    HeldoutCase(
        "chest-en-05", "chest", "en", CHEST_PE,
        """FINDINGS: Acute pulmonary emboli are seen as filling defects within the segmental and subsegmental \
pulmonary arteries of the right lower lobe. The main pulmonary artery measures 2.7 cm and is not enlarged. RV/LV \
ratio 0.8, without CT signs of right heart strain. A small left pleural effusion is present with adjacent \
atelectasis. No pulmonary infarction. No pneumothorax.
IMPRESSION:
1. Acute segmental and subsegmental pulmonary emboli in the right lower lobe.
2. No right heart strain on CT.
3. Small left pleural effusion.""",
        None,
    ),
    HeldoutCase(
        "chest-en-06", "chest", "en", CHEST_PE,
        """FINDINGS: Filling defects in the segmental and subsegmental pulmonary arteries of the right lower lobe, \
consistent with acute pulmonary emboli. The main pulmonary artery measures 2.7 cm. The RV/LV ratio is 0.8, with CT \
evidence of right heart strain. Small left pleural effusion with adjacent atelectasis. No pulmonary infarct. No \
pneumothorax.
IMPRESSION:
1. Acute right lower lobe segmental and subsegmental pulmonary emboli.
2. CT evidence of right heart strain.
3. Small left pleural effusion.""",
        "negation flip (no right heart strain -> right heart strain)",
    ),
    HeldoutCase(
        "chest-en-07", "chest", "en", CHEST_CXR,
        """FINDINGS: There is consolidation in the right lower lobe, in keeping with pneumonia, and a small right \
pleural effusion. Clear left lung. No pneumothorax. Normal cardiomediastinal silhouette. Mild degenerative change \
in the thoracic spine.
IMPRESSION: Right lower lobe pneumonia and small right pleural effusion.""",
        None,
    ),
    HeldoutCase(
        "chest-en-08", "chest", "en", CHEST_CXR,
        """FINDINGS: Airspace consolidation in the right lower lobe, compatible with pneumonia. Small left pleural \
effusion. The left lung is otherwise clear. No pneumothorax. The cardiomediastinal silhouette is within normal \
limits. Mild degenerative changes of the thoracic spine.
IMPRESSION: Right lower lobe pneumonia with a small left pleural effusion.""",
        "laterality changed (right -> left pleural effusion)",
    ),
    HeldoutCase(
        "chest-en-09", "chest", "en", CHEST_PARTSOLID,
        """FINDINGS: Left upper lobe part-solid nodule measuring 14 mm overall, with a solid component of 6 mm. \
Several scattered mediastinal lymph nodes under 1 cm, not enlarged by size criteria. The 9 mm calcified granuloma \
in the right middle lobe is stable. No pleural effusion. Unremarkable thyroid. In the visualized upper abdomen \
there is a 1.2 cm simple cyst in the liver.
IMPRESSION:
1. Part-solid nodule in the left upper lobe, 14 mm, with a 6 mm solid component.
2. Benign calcified granuloma in the right middle lobe.
3. Simple hepatic cyst.""",
        None,
    ),
    HeldoutCase(
        "chest-en-10", "chest", "en", CHEST_PARTSOLID,
        """IMPRESSION:
1. 14 mm part-solid nodule in the left upper lobe; its solid component measures 6 mm.
2. Benign calcified granuloma, right middle lobe.
3. Simple cyst of the liver.
FINDINGS: The left upper lobe part-solid nodule measures 14 mm with a 6 mm solid component. The 9 mm calcified \
right middle lobe granuloma is stable. A few subcentimeter mediastinal lymph nodes, none enlarged by size \
criteria. No pleural effusion. The thyroid is unremarkable. A 1.2 cm simple hepatic cyst is partly imaged.""",
        None,
    ),
    HeldoutCase(
        "chest-en-11", "chest", "en", CHEST_PARTSOLID,
        """FINDINGS: A 9 mm part-solid nodule in the left upper lobe with a 6 mm solid component. A few scattered \
subcentimeter mediastinal lymph nodes, not enlarged by size criteria. Stable 14 mm calcified granuloma in the right \
middle lobe. No pleural effusion. Thyroid unremarkable. Visualized upper abdomen: 1.2 cm simple hepatic cyst.
IMPRESSION:
1. 9 mm part-solid left upper lobe nodule with a 6 mm solid component.
2. Calcified granuloma in the right middle lobe, benign.
3. Simple hepatic cyst.""",
        "size swapped between two lesions (part-solid nodule 14 mm <-> granuloma 9 mm)",
    ),
    HeldoutCase(
        "chest-en-12", "chest", "en", CHEST_PARTSOLID,
        """FINDINGS: A 14 mm part-solid nodule in the left upper lobe with a 6 mm solid component. A few scattered \
subcentimeter mediastinal lymph nodes, not enlarged by size criteria. Stable 9 mm calcified granuloma in the right \
middle lobe. No pleural effusion. The thyroid is unremarkable. Visualized upper abdomen: 1.2 cm complex hepatic \
cyst.
IMPRESSION:
1. 14 mm part-solid left upper lobe nodule with a 6 mm solid component.
2. Benign calcified granuloma in the right middle lobe.
3. Complex hepatic cyst.""",
        "descriptor changed (simple -> complex hepatic cyst)",
    ),
    # ----------------------------------------------------------------- chest, Chinese patient text
    HeldoutCase(
        "chest-zh-01", "chest", "zh", CHEST_NODULES,
        """CT显示您的右肺上叶有一个7毫米的实性小结节，左肺下叶有一个4毫米的实性小结节。肺部有轻度的小叶中心型肺气肿，\
主要在上叶。没有肺部实变，没有胸腔积液，也没有气胸。纵隔和肺门没有肿大的淋巴结。心脏大小正常，心包没有积液。\
冠状动脉有轻度钙化。""",
        None,
    ),
    HeldoutCase(
        "chest-zh-02", "chest", "zh", CHEST_CXR,
        """胸片显示您的右肺下叶有肺炎，右侧胸腔有少量积液。左肺是清晰的。没有气胸。心脏和纵隔的轮廓正常。\
胸椎有轻度的退行性改变，也就是骨头有一些轻微的磨损。""",
        None,
    ),
    HeldoutCase(
        "chest-zh-03", "chest", "zh", CHEST_PE,
        """CT肺动脉造影显示您右肺下叶的肺段和亚段动脉里有急性血栓，也就是肺栓塞。肺动脉主干没有增宽，直径2.7厘米。\
没有右心负担过重的表现。左侧胸腔有大量积液，旁边的肺组织有部分塌陷（肺不张）。没有肺梗死，也没有气胸。""",
        "severity changed (small -> large pleural effusion)",
    ),
    HeldoutCase(
        "chest-zh-04", "chest", "zh", CHEST_CXR,
        """胸片显示您的右肺上叶有肺炎，右侧胸腔有少量积液。左肺是清晰的。没有气胸。心脏和纵隔的轮廓正常。\
胸椎有轻度的退行性改变。""",
        "location changed (right lower lobe -> right upper lobe pneumonia)",
    ),
    # ----------------------------------------------------------------- abdomen, English
    HeldoutCase(
        "abdomen-en-01", "abdomen", "en", ABD_CYST,
        """FINDINGS: The liver is normal in size without a focal lesion. There are multiple gallstones, with no \
thickening of the gallbladder wall and no pericholecystic fluid. No biliary dilatation. The pancreas and spleen are \
normal. In the lower pole of the left kidney there is a 3.2 cm simple (Bosniak I) cyst. No hydronephrosis or renal \
stones. Scattered diverticula in the sigmoid colon without diverticulitis. Normal appendix. No free fluid, free air \
or lymphadenopathy.
IMPRESSION:
1. Gallstones without acute cholecystitis.
2. Simple left renal cyst, 3.2 cm, Bosniak I; no follow-up imaging needed.
3. Sigmoid diverticulosis, no diverticulitis.""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-02", "abdomen", "en", ABD_CYST,
        """The scan shows several stones in your gallbladder, but the gallbladder is not inflamed. There is a \
3.2 cm simple fluid-filled cyst in the lower part of your left kidney; this kind of cyst (Bosniak I) needs no \
further scans. There are small pouches in the wall of the lower part of the large bowel (sigmoid diverticulosis), \
but they are not inflamed. The liver, bile ducts, pancreas, spleen and appendix look normal. There are no kidney \
stones, no swelling of the kidneys, no free fluid or air in the abdomen, and no enlarged lymph nodes.""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-03", "abdomen", "en", ABD_CYST,
        """FINDINGS: Liver normal in size with no focal lesion. Multiple gallstones with gallbladder wall \
thickening and pericholecystic fluid. Bile ducts not dilated. Pancreas and spleen unremarkable. 3.2 cm simple cyst \
in the lower pole of the left kidney (Bosniak I). No hydronephrosis or renal calculi. Scattered sigmoid diverticula \
without diverticulitis. Normal appendix. No free fluid or free air. No lymphadenopathy.
IMPRESSION:
1. Cholelithiasis with gallbladder wall thickening and pericholecystic fluid.
2. 3.2 cm Bosniak I simple left renal cyst; no follow-up imaging is needed.
3. Sigmoid diverticulosis without diverticulitis.""",
        "negation flip (no gallbladder wall thickening or pericholecystic fluid -> present)",
    ),
    HeldoutCase(
        "abdomen-en-04", "abdomen", "en", ABD_CYST,
        """FINDINGS: Liver normal in size, no focal lesion. Multiple gallstones without gallbladder wall \
thickening or pericholecystic fluid. No biliary dilatation. Pancreas unremarkable. Spleen normal. A 2 cm \
myelolipoma in the right adrenal gland. 3.2 cm simple cyst in the lower pole of the left kidney (Bosniak I). No \
hydronephrosis. No renal calculi. Scattered sigmoid diverticula without diverticulitis. Normal appendix. No free \
fluid or free air. No lymphadenopathy.
IMPRESSION:
1. Cholelithiasis without acute cholecystitis.
2. 3.2 cm Bosniak I simple left renal cyst; no follow-up imaging is needed.
3. Sigmoid diverticulosis without diverticulitis.""",
        "invented finding (right adrenal myelolipoma)",
    ),
    HeldoutCase(
        "abdomen-en-05", "abdomen", "en", ABD_APPENDIX,
        """FINDINGS: Dilated appendix measuring 11 mm, with a thickened wall and surrounding fat stranding. There is \
an appendicolith at the base of the appendix. No abscess around the appendix and no extraluminal air. A small \
amount of pelvic free fluid. Normal terminal ileum.
IMPRESSION: Acute appendicitis with an appendicolith, uncomplicated: no abscess and no perforation.""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-06", "abdomen", "en", ABD_APPENDIX,
        """Your appendix is swollen (11 mm across), its wall is thickened and the fat around it is inflamed. There \
is a small hardened stone (an appendicolith) at the base of the appendix. This is acute appendicitis. There is no \
abscess and the appendix has not burst. There is a small amount of free fluid in the pelvis. The end of the small \
intestine looks normal.""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-07", "abdomen", "en", ABD_APPENDIX,
        """FINDINGS: The appendix is dilated to 11 mm with wall thickening and periappendiceal fat stranding. An \
appendicolith is present at the appendiceal base. No periappendiceal abscess. Small amount of free fluid in the \
pelvis. The terminal ileum is normal.
IMPRESSION: Acute appendicitis with an appendicolith, complicated by perforation. No abscess.""",
        "negation flip (no perforation -> perforation)",
    ),
    HeldoutCase(
        "abdomen-en-08", "abdomen", "en", ABD_LIVER_US,
        """FINDINGS: Hepatomegaly, with a craniocaudal length of 18 cm, and diffusely increased echogenicity \
consistent with moderate fatty liver. Segment 6 contains a 9 mm well-circumscribed hyperechoic lesion, compatible \
with a hemangioma. Segment 2 contains a 1.8 cm hyperechoic lesion, likely also a hemangioma. Normal gallbladder \
without stones. Common bile duct 4 mm. Right kidney 10.8 cm, no hydronephrosis. No ascites.
IMPRESSION:
1. Hepatomegaly with moderate hepatic steatosis.
2. Two probable hepatic hemangiomas: 9 mm in segment 6 and 1.8 cm in segment 2.""",
        "size swapped between two lesions (segment 6 1.8 cm <-> segment 2 9 mm)",
    ),
    HeldoutCase(
        "abdomen-en-09", "abdomen", "en", ABD_LIVER_US,
        """FINDINGS: Enlarged, diffusely echogenic liver measuring 18 cm craniocaudally, in keeping with moderate \
hepatic steatosis. Two hyperechoic lesions: a well-circumscribed 1.8 cm lesion in segment 6, compatible with a \
hemangioma, and a 9 mm lesion in segment 2, probably also a hemangioma. Gallbladder unremarkable with no \
gallstones. CBD 4 mm. The right kidney is 10.8 cm with no hydronephrosis. No free fluid in the abdomen.
IMPRESSION:
1. Enlarged liver with moderate fatty infiltration.
2. Probable hemangiomas in segment 6 (1.8 cm) and segment 2 (9 mm).""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-10", "abdomen", "en", ABD_STONE,
        """FINDINGS: There is a 6 mm calculus at the right ureterovesical junction causing obstruction, with \
moderate hydroureteronephrosis on the right and perinephric fat stranding. The left kidney contains two 3 mm \
nonobstructing stones in its lower pole. Partially distended, unremarkable bladder. Mildly enlarged prostate. No \
free fluid.
IMPRESSION:
1. Obstructing 6 mm right UVJ stone with moderate right hydroureteronephrosis.
2. Nonobstructing left renal stones, 3 mm.""",
        None,
    ),
    HeldoutCase(
        "abdomen-en-11", "abdomen", "en", ABD_STONE,
        """FINDINGS: A 6 mm obstructing calculus at the left ureterovesical junction with moderate left \
hydroureteronephrosis and perinephric fat stranding. Two nonobstructing 3 mm calculi in the lower pole of the left \
kidney. Bladder partially distended and unremarkable. Prostate mildly enlarged. No free fluid.
IMPRESSION:
1. 6 mm obstructing calculus at the left ureterovesical junction with moderate left hydroureteronephrosis.
2. Nonobstructing 3 mm calculi in the left kidney.""",
        "laterality changed (right -> left obstructing ureterovesical junction calculus)",
    ),
    HeldoutCase(
        "abdomen-en-12", "abdomen", "en", ABD_STONE,
        """FINDINGS: A 6 mm obstructing calculus at the right ureterovesical junction with severe right \
hydroureteronephrosis and perinephric fat stranding. Two nonobstructing 3 mm calculi in the lower pole of the left \
kidney. The bladder is partially distended and unremarkable. Mildly enlarged prostate. No free fluid.
IMPRESSION:
1. 6 mm obstructing right ureterovesical junction calculus with severe right hydroureteronephrosis.
2. Nonobstructing 3 mm left renal calculi.""",
        "severity changed (moderate -> severe hydroureteronephrosis)",
    ),
    # ----------------------------------------------------------------- abdomen, Chinese patient text
    HeldoutCase(
        "abdomen-zh-01", "abdomen", "zh", ABD_CYST,
        """CT显示您的胆囊里有多发结石（胆结石），但胆囊壁没有增厚，胆囊周围也没有积液，目前没有急性胆囊炎。\
左肾下极有一个3.2厘米的单纯性囊肿（Bosniak I级），这种囊肿不需要影像随访。乙状结肠有一些憩室，但没有发炎。\
肝脏、胰腺和脾脏正常，胆管没有扩张，肾脏没有积水和结石，阑尾正常，腹腔内没有积液或游离气体，也没有淋巴结肿大。""",
        None,
    ),
    HeldoutCase(
        "abdomen-zh-02", "abdomen", "zh", ABD_STONE,
        """CT显示您右侧输尿管和膀胱连接的地方有一颗6毫米的结石，堵住了尿液的流出，导致右侧输尿管和肾脏中度积水，\
肾脏周围的脂肪有炎症改变。左肾下极还有两颗3毫米的小结石，没有造成堵塞。膀胱正常。前列腺轻度增大。腹腔内没有积液。""",
        None,
    ),
    HeldoutCase(
        "abdomen-zh-03", "abdomen", "zh", ABD_LIVER_US,
        """超声显示您的肝脏增大，长约18厘米，回声弥漫性增强，符合中度脂肪肝。肝脏第6段有一个2.8厘米、边界清楚的\
高回声病灶，符合血管瘤；第2段有一个9毫米的高回声病灶，可能也是血管瘤。胆囊正常，没有结石。胆总管4毫米。\
右肾10.8厘米，没有积水。腹腔没有积液。""",
        "size changed (segment 6 hemangioma 1.8 cm -> 2.8 cm)",
    ),
    HeldoutCase(
        "abdomen-zh-04", "abdomen", "zh", ABD_CYST,
        """CT显示您的胆囊里有多发结石，但胆囊壁没有增厚，周围也没有积液，目前没有急性胆囊炎。左肾下极有一个3.2厘米的\
单纯性囊肿（Bosniak I级），建议一年后复查CT观察囊肿的变化。乙状结肠有一些憩室，但没有发炎。肝脏、胰腺、脾脏和阑尾正常。""",
        "invented follow-up recommendation (CT in one year; source says no follow-up needed)",
    ),
    # ----------------------------------------------------------------- musculoskeletal, English
    HeldoutCase(
        "msk-en-01", "musculoskeletal", "en", MSK_WRIST,
        """FINDINGS: Three views of the right wrist show a transverse fracture through the waist of the scaphoid \
without displacement. No additional fracture or dislocation. Congruent distal radioulnar joint. Mild swelling of \
the soft tissues on the radial side of the wrist. Normal bone mineralization.
IMPRESSION: Right scaphoid waist fracture, non-displaced.""",
        None,
    ),
    HeldoutCase(
        "msk-en-02", "musculoskeletal", "en", MSK_WRIST,
        """FINDINGS: Right wrist, three views. Displaced transverse fracture of the scaphoid waist. No other \
fracture. The distal radioulnar joint is congruent. No dislocation. Mild soft tissue swelling over the radial \
aspect of the wrist. Bone mineralization is normal.
IMPRESSION: Displaced fracture of the right scaphoid waist.""",
        "descriptor changed (non-displaced -> displaced fracture)",
    ),
    HeldoutCase(
        "msk-en-03", "musculoskeletal", "en", MSK_WRIST,
        """FINDINGS: Right wrist, three views. Non-displaced transverse fracture of the scaphoid waist. No other \
fracture. Small enchondroma in the second metacarpal. The distal radioulnar joint is congruent. No dislocation. \
Mild soft tissue swelling over the radial aspect of the wrist. Normal bone mineralization.
IMPRESSION: Non-displaced fracture of the right scaphoid waist.""",
        "invented finding (enchondroma of the second metacarpal)",
    ),
    HeldoutCase(
        "msk-en-04", "musculoskeletal", "en", MSK_KNEE,
        """FINDINGS: MRI of the left knee. The posterior horn of the medial meniscus has a complex tear that extends \
to the inferior articular surface. Intact lateral meniscus. Both cruciate ligaments are intact. The medial \
collateral ligament shows a grade 1 sprain. There is a moderate effusion and a 2.5 cm Baker cyst. Partial-thickness \
cartilage loss is present over the medial femoral condyle.
IMPRESSION:
1. Complex posterior horn medial meniscal tear.
2. Grade 1 MCL sprain.
3. Moderate knee joint effusion; 2.5 cm Baker cyst.""",
        None,
    ),
    HeldoutCase(
        "msk-en-05", "musculoskeletal", "en", MSK_KNEE,
        """Your left knee MRI shows a complex tear in the back part of the inner cartilage cushion of the knee (the \
posterior horn of the medial meniscus), reaching its lower surface. The outer meniscus is not torn. The two main \
ligaments inside the knee, the anterior and posterior cruciate ligaments, are intact. The ligament on the inner side \
of the knee (the medial collateral ligament) has a mild, grade 1 sprain. There is a moderate amount of fluid in the \
joint and a 2.5 cm fluid-filled Baker cyst behind the knee. Some of the cartilage on the inner end of the thigh bone \
has thinned, but not all the way through.""",
        None,
    ),
    HeldoutCase(
        "msk-en-06", "musculoskeletal", "en", MSK_KNEE,
        """FINDINGS: Left knee MRI. Complex tear of the posterior horn of the medial meniscus extending to the \
inferior articular surface. The lateral meniscus is intact. The anterior cruciate ligament is torn. The posterior \
cruciate ligament is intact. Grade 1 sprain of the medial collateral ligament. Moderate joint effusion. A 2.5 cm \
Baker cyst. Partial-thickness cartilage loss over the medial femoral condyle.
IMPRESSION:
1. Complex tear of the posterior horn of the medial meniscus.
2. Anterior cruciate ligament tear.
3. Grade 1 medial collateral ligament sprain.
4. Moderate joint effusion and 2.5 cm Baker cyst.""",
        "negation flip (intact -> torn anterior cruciate ligament)",
    ),
    HeldoutCase(
        "msk-en-07", "musculoskeletal", "en", MSK_KNEE,
        """FINDINGS: Left knee MRI. Complex tear of the anterior horn of the medial meniscus extending to the \
inferior articular surface. The lateral meniscus is intact. Anterior and posterior cruciate ligaments intact. Grade \
1 medial collateral ligament sprain. Moderate joint effusion. 2.5 cm Baker cyst. Partial-thickness cartilage loss \
over the medial femoral condyle.
IMPRESSION:
1. Complex tear of the anterior horn of the medial meniscus.
2. Grade 1 medial collateral ligament sprain.
3. Moderate joint effusion and 2.5 cm Baker cyst.""",
        "location changed (posterior -> anterior horn of the medial meniscus)",
    ),
    HeldoutCase(
        "msk-en-08", "musculoskeletal", "en", MSK_SHOULDER,
        """FINDINGS: MRI of the right shoulder. The supraspinatus tendon is torn through its full thickness at the \
footprint; the tear is 1.2 cm wide in the anteroposterior dimension and retracted by 1.5 cm. The supraspinatus \
muscle shows no atrophy or fatty infiltration. Intact infraspinatus and subscapularis tendons. Mild tendinosis of \
the intra-articular long head of biceps tendon. Mild osteoarthritis of the acromioclavicular joint. Small effusion \
in the subacromial-subdeltoid bursa.
IMPRESSION: Full-thickness tear of the supraspinatus tendon (1.2 cm wide, 1.5 cm retraction) with no muscle atrophy \
or fatty infiltration.""",
        None,
    ),
    HeldoutCase(
        "msk-en-09", "musculoskeletal", "en", MSK_SHOULDER,
        """FINDINGS: Right shoulder MRI. Full-thickness tear of the supraspinatus tendon at the footprint, measuring \
1.2 cm in anteroposterior width, with 3.5 cm of retraction. No supraspinatus muscle atrophy or fatty infiltration. \
The infraspinatus and subscapularis tendons are intact. Mild tendinosis of the intra-articular long head of the \
biceps tendon. Mild acromioclavicular joint osteoarthritis. Small subacromial-subdeltoid bursal effusion.
IMPRESSION: Full-thickness supraspinatus tendon tear, 1.2 cm wide with 3.5 cm retraction, without muscle atrophy \
or fatty infiltration.""",
        "size changed (retraction 1.5 cm -> 3.5 cm)",
    ),
    HeldoutCase(
        "msk-en-10", "musculoskeletal", "en", MSK_HIP,
        """FINDINGS: AP pelvis and left hip. The left hip shows moderate osteoarthritis, with superolateral joint \
space narrowing, subchondral sclerosis and marginal osteophytes. The right hip shows mild osteoarthritis. No \
fracture and no lytic or sclerotic bone lesion. Normal sacroiliac joints.
IMPRESSION: Moderate osteoarthritis of the left hip and mild osteoarthritis of the right hip, without fracture.""",
        None,
    ),
    HeldoutCase(
        "msk-en-11", "musculoskeletal", "en", MSK_HIP,
        """The X-ray shows moderate wear-and-tear arthritis (osteoarthritis) in your left hip: the joint space is \
narrowed at the top and outer side, the bone under the cartilage has become denser, and there are bony spurs at the \
edges of the joint. Your right hip has mild osteoarthritis. There is no broken bone and no abnormal area in the \
bones. The joints between the spine and the pelvis (sacroiliac joints) are normal.""",
        None,
    ),
    HeldoutCase(
        "msk-en-12", "musculoskeletal", "en", MSK_HIP,
        """FINDINGS: AP pelvis and left hip. Severe osteoarthritis of the left hip with superolateral joint space \
narrowing, subchondral sclerosis and marginal osteophytes. Mild osteoarthritis of the right hip. No fracture. No \
lytic or sclerotic bone lesion. Normal sacroiliac joints.
IMPRESSION: Severe left hip osteoarthritis. Mild right hip osteoarthritis. No fracture.""",
        "severity changed (moderate -> severe left hip osteoarthritis)",
    ),
    # ----------------------------------------------------------------- musculoskeletal, Chinese patient text
    HeldoutCase(
        "msk-zh-01", "musculoskeletal", "zh", MSK_KNEE,
        """磁共振显示您左膝内侧半月板的后角有复杂撕裂，撕裂延伸到半月板的下表面。外侧半月板完好。前交叉韧带和后交叉\
韧带都完好。内侧副韧带有1级（轻度）扭伤。膝关节内有中等量积液，膝盖后面有一个2.5厘米的贝克囊肿。股骨内侧髁的软骨\
有部分厚度的磨损。""",
        None,
    ),
    HeldoutCase(
        "msk-zh-02", "musculoskeletal", "zh", MSK_HIP,
        """X光片显示您左侧髋关节有中度骨关节炎：关节外上方的间隙变窄，软骨下的骨头变硬，关节边缘长了骨刺。右侧髋关节有\
轻度骨关节炎。没有骨折，骨头里也没有发现破坏性或硬化性的病变。骶髂关节正常。""",
        None,
    ),
    HeldoutCase(
        "msk-zh-03", "musculoskeletal", "zh", MSK_WRIST,
        """X光片显示您左手腕的舟骨腰部有一处横行骨折，骨折没有移位。没有其他骨折，也没有脱位。下尺桡关节对合良好。\
手腕靠拇指一侧的软组织有轻度肿胀。骨密度正常。""",
        "laterality changed (right -> left wrist)",
    ),
    HeldoutCase(
        "msk-zh-04", "musculoskeletal", "zh", MSK_SHOULDER,
        """磁共振显示您右肩的冈上肌腱在止点处完全撕裂，撕裂宽1.2厘米，肌腱向内回缩了1.5厘米。冈上肌出现萎缩和脂肪浸润。\
冈下肌腱和肩胛下肌腱完好。肱二头肌长头腱有轻度肌腱病。肩锁关节有轻度骨关节炎。肩峰下滑囊有少量积液。""",
        "dropped negation (no muscle atrophy or fatty infiltration -> atrophy and fatty infiltration)",
    ),
]
