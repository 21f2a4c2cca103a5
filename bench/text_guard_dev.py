"""Development set for the text guard (issue 11, branch guardff): 66 cases, 33 faithful, 33 planted.

Written from clinical knowledge of how radiology reports and patient letters are phrased, before the
guard was run on it (first run recorded in the README). Unlike ``bench/text_guard_heldout_v2.py`` this
set MAY be used to improve the guard; it is scored with ``python -m bench.guard_heldout --set dev``.

Each case pairs a signed English report (FINDINGS + IMPRESSION) with a candidate text: an English
rewording for clinicians or a plain-language English patient text (``language="en"``), or a Chinese
patient text checked against the English report (``language="zh"``). ``planted`` is None for a faithful
text, else a short label of the one error planted in it. Faithful patient texts use lay synonyms,
explanations, reassurance and generic advice ("talk to your doctor"), as a careful writer would.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DevCase:
    """One candidate text checked against one source report."""

    id: str
    domain: str  # neuro | chest | abdomen | musculoskeletal
    language: str  # en | zh
    source: str
    candidate: str
    planted: str | None  # None: faithful; else the one planted error


ICH = """FINDINGS: Acute right frontal intraparenchymal hemorrhage measuring 2.3 x 1.8 cm with mild \
surrounding vasogenic edema. Mild mass effect on the right lateral ventricle without midline shift. No \
intraventricular extension. No hydrocephalus. No acute infarct. The calvarium is intact.
IMPRESSION: Acute 2.3 cm right frontal intraparenchymal hemorrhage with mild surrounding edema and mild \
local mass effect. No midline shift or hydrocephalus."""

MENINGIOMA = """FINDINGS: A 1.2 cm extra-axial, dural-based enhancing lesion along the left parietal \
convexity, consistent with a meningioma. No surrounding edema. Scattered small foci of T2/FLAIR \
hyperintensity in the periventricular white matter, compatible with mild chronic small vessel ischemic \
disease. Ventricles and sulci are normal in size for age. No restricted diffusion.
IMPRESSION: 1. 1.2 cm left parietal convexity meningioma without edema. 2. Mild chronic small vessel \
ischemic changes."""

NODULE_EFFUSION = """FINDINGS: A 6 mm solid nodule in the left lower lobe. Small right pleural effusion \
with adjacent compressive atelectasis. No pneumothorax. Heart size is normal. No pericardial effusion. No \
mediastinal or hilar lymphadenopathy.
IMPRESSION: 1. 6 mm solid left lower lobe nodule. 2. Small right pleural effusion with adjacent \
atelectasis."""

PE = """FINDINGS: Acute pulmonary emboli in the right main pulmonary artery extending into the right lower \
lobe segmental arteries. No left-sided emboli. The RV/LV ratio is 0.8, without signs of right heart \
strain. Mild dependent atelectasis bilaterally. No pleural effusion.
IMPRESSION: Acute right-sided pulmonary embolism without right heart strain."""

GALLSTONES = """FINDINGS: Liver: Mild diffuse hepatic steatosis. No focal liver lesion. Gallbladder: \
Several gallstones, the largest 9 mm, without gallbladder wall thickening or pericholecystic fluid. \
Kidneys: A 3.1 cm simple cyst in the upper pole of the left kidney. No hydronephrosis. No renal calculi. \
The pancreas, spleen and adrenal glands are normal. No free fluid or free air.
IMPRESSION: 1. Cholelithiasis without evidence of acute cholecystitis. 2. 3.1 cm simple left renal cyst, \
benign, no follow-up needed. 3. Mild hepatic steatosis."""

APPENDIX = """FINDINGS: The appendix is dilated to 12 mm with wall thickening and surrounding fat \
stranding. An appendicolith is present at the appendiceal base. No periappendiceal abscess. No free air. \
Small amount of free fluid in the pelvis.
IMPRESSION: Acute uncomplicated appendicitis with an appendicolith. No abscess or perforation."""

WRIST = """FINDINGS: Left wrist, three views. There is a transverse fracture of the distal radius with \
3 mm of dorsal displacement and mild dorsal angulation. The fracture does not extend into the joint. The \
ulnar styloid is intact. The carpal bones are normally aligned. Mild soft tissue swelling about the wrist.
IMPRESSION: Mildly displaced extra-articular fracture of the distal left radius. No ulnar styloid \
fracture."""

KNEE = """FINDINGS: Complex tear of the posterior horn of the medial meniscus. The anterior cruciate \
ligament is intact. The posterior cruciate ligament is intact. Grade 1 sprain of the medial collateral \
ligament. Moderate joint effusion. Mild chondral thinning of the medial femoral condyle. No fracture or \
bone bruise.
IMPRESSION: 1. Complex tear of the posterior horn of the medial meniscus. 2. Intact cruciate ligaments. \
3. Moderate joint effusion."""

LSPINE = """FINDINGS: At L4-L5 there is a left paracentral disc extrusion compressing the traversing \
left L5 nerve root, with moderate spinal canal stenosis. At L5-S1 there is a mild disc bulge without \
nerve root compression. The conus terminates normally at L1. No fracture.
IMPRESSION: L4-L5 left paracentral disc extrusion compressing the left L5 nerve root with moderate \
canal stenosis."""


def _c(id_: str, domain: str, language: str, source: str, candidate: str,
       planted: str | None = None) -> DevCase:
    return DevCase(id_, domain, language, source, candidate, planted)


CASES: list[DevCase] = [
    # ---- neuro: intraparenchymal hemorrhage ----------------------------------------------------
    _c("neuro-ich-en-1", "neuro", "en", ICH,
       "Acute right frontal intraparenchymal hemorrhage, 2.3 x 1.8 cm, with mild perilesional edema and "
       "mild mass effect on the right lateral ventricle. There is no midline shift, intraventricular "
       "extension or hydrocephalus. No acute infarct; the skull is intact."),
    _c("neuro-ich-en-2", "neuro", "en", ICH,
       "Your scan shows a bleed inside the brain on the right side, towards the front of your head. It "
       "measures about 2.3 cm. There is a little swelling around it, and it presses slightly on one of "
       "the fluid spaces of the brain, but the brain has not shifted to one side and there is no build-up "
       "of fluid. Your care team will talk with you about what happens next."),
    _c("neuro-ich-en-3", "neuro", "en", ICH,
       "We know this news can be worrying. The CT scan found a recent bleed in the right frontal part of "
       "your brain, about 2.3 cm in size, with mild swelling around it. Reassuringly, the middle of the "
       "brain has not been pushed across, and the bleed has not spread into the fluid-filled spaces. "
       "Please ask your doctor any questions you have."),
    _c("neuro-ich-zh-1", "neuro", "zh", ICH,
       "检查发现您大脑右侧额叶有一处急性出血，大小约2.3厘米，周围有轻度水肿，对旁边的脑室有轻微压迫。"
       "大脑中线没有移位，也没有脑积水。请和您的医生讨论下一步。"),
    _c("neuro-ich-en-4", "neuro", "en", ICH,
       "Acute right frontal intraparenchymal hemorrhage measuring 2.3 x 1.8 cm with mild surrounding "
       "edema. The hemorrhage extends into the ventricles. No midline shift or hydrocephalus.",
       "intraventricular extension: negated -> stated"),
    _c("neuro-ich-en-5", "neuro", "en", ICH,
       "There is a bleed in the right front part of your brain, about 2.3 cm across, with a lot of "
       "swelling around it. The brain has not shifted to one side. Your doctor will explain the plan.",
       "edema severity: mild -> a lot of"),
    _c("neuro-ich-en-6", "neuro", "en", ICH,
       "Acute left frontal intraparenchymal hemorrhage measuring 2.3 x 1.8 cm with mild surrounding "
       "edema and mild local mass effect. No midline shift or hydrocephalus.",
       "side: right -> left"),
    _c("neuro-ich-zh-2", "neuro", "zh", ICH,
       "检查发现您大脑右侧额叶有一处出血，约2.3厘米，周围有轻度水肿，大脑中线已经向一侧移位。",
       "midline shift: negated -> stated"),
    # ---- neuro: meningioma, small vessel disease ------------------------------------------------
    _c("neuro-men-en-1", "neuro", "en", MENINGIOMA,
       "1.2 cm extra-axial, dural-based enhancing mass along the left parietal convexity, in keeping with "
       "a meningioma, without surrounding edema. Mild chronic small vessel ischemic change in the "
       "periventricular white matter. Ventricles and sulci are age-appropriate. No restricted diffusion."),
    _c("neuro-men-en-2", "neuro", "en", MENINGIOMA,
       "The scan found a small growth, 1.2 cm across, on the covering of the brain on the left side, "
       "towards the top of your head. It looks like a meningioma. There is no swelling in the brain "
       "around it. There are also some mild changes in the small blood vessels of the brain, which are "
       "common as people get older. Please talk to your doctor about these results."),
    _c("neuro-men-zh-1", "neuro", "zh", MENINGIOMA,
       "核磁共振显示您左侧顶部的脑膜上有一个1.2厘米的小肿块，考虑是脑膜瘤，周围没有水肿。"
       "脑白质还有一些轻度的慢性小血管缺血改变，这在年纪大的人中很常见。请和医生讨论这些结果。"),
    _c("neuro-men-zh-2", "neuro", "zh", MENINGIOMA,
       "检查看到左侧顶叶旁边的脑膜有一个约1.2厘米的脑膜瘤，周围的脑组织没有水肿。"
       "脑室和脑沟的大小符合您的年龄。没有新的脑梗塞。"),
    _c("neuro-men-en-3", "neuro", "en", MENINGIOMA,
       "1.2 cm left parietal convexity meningioma with surrounding edema. Mild chronic small vessel "
       "ischemic changes.",
       "edema: negated -> stated"),
    _c("neuro-men-en-4", "neuro", "en", MENINGIOMA,
       "2.1 cm left parietal convexity meningioma without edema. Mild chronic small vessel ischemic "
       "changes.",
       "size: 1.2 cm -> 2.1 cm"),
    _c("neuro-men-en-5", "neuro", "en", MENINGIOMA,
       "The scan shows a small 1.2 cm growth on the lining of the brain on the left, most likely a "
       "meningioma, with no swelling around it. There are mild age-related changes in the small blood "
       "vessels. There is also a small old stroke on the right side of the brain.",
       "invented finding: old stroke"),
    _c("neuro-men-zh-3", "neuro", "zh", MENINGIOMA,
       "您左侧顶部脑膜上有一个1.2厘米的脑膜瘤，周围没有水肿。脑白质有严重的小血管缺血改变。",
       "small vessel disease severity: mild -> severe"),
    # ---- chest: nodule and effusion --------------------------------------------------------------
    _c("chest-nod-en-1", "chest", "en", NODULE_EFFUSION,
       "There is a 6 mm solid nodule in the left lower lobe. A small right pleural effusion is present "
       "with adjacent compressive atelectasis. The heart is normal in size without pericardial effusion. "
       "No pneumothorax, and no enlarged mediastinal or hilar lymph nodes."),
    _c("chest-nod-en-2", "chest", "en", NODULE_EFFUSION,
       "Your CT scan shows a small spot, 6 mm across, in the lower part of your left lung. Your doctor "
       "will decide whether it needs to be checked again. There is also a small amount of fluid around "
       "the right lung, and a bit of the lung next to the fluid is squashed. Your heart is a normal size "
       "and the glands in the middle of your chest are not enlarged. There is no air leak around the lung."),
    _c("chest-nod-en-3", "chest", "en", NODULE_EFFUSION,
       "Dear patient, your chest scan has been reported. It shows a 6 mm solid nodule in the lower lobe "
       "of the left lung and a small collection of fluid next to the right lung. Please do not be "
       "alarmed: your doctor will go through what this means for you and answer your questions."),
    _c("chest-nod-zh-1", "chest", "zh", NODULE_EFFUSION,
       "CT显示您左肺下叶有一个6毫米的实性小结节。右侧胸腔有少量积液，旁边的一小部分肺被压得有点塌陷。"
       "心脏大小正常，没有心包积液，胸部淋巴结也没有肿大。"),
    _c("chest-nod-en-4", "chest", "en", NODULE_EFFUSION,
       "6 mm solid nodule in the right lower lobe. Small right pleural effusion with adjacent atelectasis.",
       "nodule side: left -> right"),
    _c("chest-nod-en-5", "chest", "en", NODULE_EFFUSION,
       "A 6 mm spiculated nodule in the left lower lobe. Small right pleural effusion with adjacent "
       "compressive atelectasis. No pneumothorax.",
       "invented descriptor: spiculated"),
    _c("chest-nod-en-6", "chest", "en", NODULE_EFFUSION,
       "The scan shows a small spot of 6 mm in your left lung. There is a large amount of fluid around "
       "your right lung. Your heart looks normal.",
       "effusion severity: small -> large"),
    _c("chest-nod-zh-2", "chest", "zh", NODULE_EFFUSION,
       "CT显示您左肺下叶有一个6毫米的实性结节。右侧胸腔有少量积液，还有气胸。",
       "pneumothorax: negated -> stated"),
    # ---- chest: pulmonary embolism ---------------------------------------------------------------
    _c("chest-pe-en-1", "chest", "en", PE,
       "Acute pulmonary embolism involving the right main pulmonary artery and extending into the "
       "segmental arteries of the right lower lobe. No emboli on the left. RV/LV ratio 0.8 with no "
       "evidence of right heart strain. Mild bilateral dependent atelectasis; no pleural effusion."),
    _c("chest-pe-en-2", "chest", "en", PE,
       "The scan found blood clots in the lungs, in the main artery to the right lung and in its branches "
       "to the lower part of the right lung. There are no clots on the left side. The right side of your "
       "heart is not under strain, which is reassuring. Your doctor will talk to you about treatment."),
    _c("chest-pe-en-3", "chest", "en", PE,
       "You have a blood clot in the lung (pulmonary embolism) on the right side. The good news is that "
       "your heart is coping well and is not strained. There is no fluid around the lungs."),
    _c("chest-pe-zh-1", "chest", "zh", PE,
       "CT发现您右肺的主要动脉和右肺下叶的分支里有急性血栓，也就是肺栓塞。左侧没有发现血栓。"
       "右心没有受到压力的迹象。两肺下部有轻度的肺不张，没有胸腔积液。请与您的医生讨论治疗。"),
    _c("chest-pe-en-4", "chest", "en", PE,
       "Acute right-sided pulmonary embolism with signs of right heart strain.",
       "right heart strain: negated -> stated"),
    _c("chest-pe-en-5", "chest", "en", PE,
       "The scan shows blood clots in the arteries of both lungs. The right side of your heart is not "
       "under strain.",
       "side: right -> both"),
    _c("chest-pe-en-6", "chest", "en", PE,
       "The clots are in the main artery of the right lung and reach the branches in the upper part of "
       "the right lung. There are no clots on the left.",
       "location: lower lobe -> upper lobe"),
    _c("chest-pe-zh-2", "chest", "zh", PE,
       "CT显示右肺动脉里有急性血栓（肺栓塞），左侧没有血栓，右心没有受压。另外右肺下叶还有一处肺梗死。",
       "invented finding: pulmonary infarct"),
    # ---- abdomen: gallstones, renal cyst, steatosis ----------------------------------------------
    _c("abd-gb-en-1", "abdomen", "en", GALLSTONES,
       "Mild diffuse fatty infiltration of the liver without a focal lesion. Multiple gallstones, the "
       "largest measuring 9 mm, with no gallbladder wall thickening or pericholecystic fluid. 3.1 cm "
       "simple cyst in the upper pole of the left kidney. No hydronephrosis or renal stones. The "
       "pancreas, spleen and adrenals are unremarkable. No free fluid or free air."),
    _c("abd-gb-en-2", "abdomen", "en", GALLSTONES,
       "Your scan shows a few gallstones in your gallbladder; the biggest is 9 mm. The gallbladder itself "
       "does not look inflamed. There is a 3.1 cm fluid-filled sac (a simple cyst) on the top part of "
       "your left kidney. This kind of cyst is harmless and does not need any more tests. Your liver has "
       "a little extra fat in it. The other organs look normal."),
    _c("abd-gb-en-3", "abdomen", "en", GALLSTONES,
       "In plain words: you have gallstones, but there are no signs that your gallbladder is infected or "
       "swollen. The cyst on your left kidney is a simple one and is not a cause for concern. There is "
       "mild fatty liver. Please talk to your GP if you have any questions."),
    _c("abd-gb-zh-1", "abdomen", "zh", GALLSTONES,
       "CT显示您有胆结石，最大的一颗约9毫米，胆囊没有发炎。左肾上极有一个3.1厘米的单纯性囊肿，是良性的，"
       "不需要复查。肝脏有轻度脂肪肝。胰腺、脾脏和肾上腺都正常。"),
    _c("abd-gb-en-4", "abdomen", "en", GALLSTONES,
       "3.1 cm complex cyst in the upper pole of the left kidney. Cholelithiasis without acute "
       "cholecystitis. Mild hepatic steatosis.",
       "cyst descriptor: simple -> complex"),
    _c("abd-gb-en-5", "abdomen", "en", GALLSTONES,
       "You have several gallstones, the largest 9 mm. The wall of the gallbladder is thickened, but there "
       "is no fluid around it. There is a simple cyst on your left kidney.",
       "gallbladder wall thickening: negated -> stated"),
    _c("abd-gb-en-6", "abdomen", "en", GALLSTONES,
       "3.1 cm simple cyst in the lower pole of the left kidney. Cholelithiasis without cholecystitis. "
       "Mild hepatic steatosis.",
       "cyst location: upper pole -> lower pole"),
    _c("abd-gb-zh-2", "abdomen", "zh", GALLSTONES,
       "CT显示您有胆结石，胆囊没有发炎。右肾上极有一个3.1厘米的单纯性囊肿，是良性的。肝脏有轻度脂肪肝。",
       "cyst side: left -> right"),
    # ---- abdomen: appendicitis -----------------------------------------------------------------
    _c("abd-app-en-1", "abdomen", "en", APPENDIX,
       "Acute appendicitis: the appendix is distended to 12 mm with mural thickening and periappendiceal "
       "fat stranding, and there is an appendicolith at its base. No abscess, perforation or free air. "
       "A small amount of free fluid in the pelvis."),
    _c("abd-app-en-2", "abdomen", "en", APPENDIX,
       "The scan shows that your appendix is inflamed (appendicitis). It is swollen to 12 mm, and there is "
       "a small hard piece of stool, called an appendicolith, at its base. The appendix has not burst and "
       "there is no pocket of pus. There is a little fluid low down in your belly. Your doctors will "
       "discuss the next steps with you."),
    _c("abd-app-en-3", "abdomen", "en", APPENDIX,
       "Your CT confirms acute appendicitis. Importantly, there is no sign that the appendix has burst "
       "and no abscess has formed. A small amount of fluid is seen in the pelvis, which is often seen "
       "with this condition."),
    _c("abd-app-zh-1", "abdomen", "zh", APPENDIX,
       "CT显示您得了急性阑尾炎。阑尾肿大到12毫米，壁增厚，周围脂肪有炎症改变，根部有一颗粪石。"
       "没有脓肿，也没有穿孔。盆腔里有少量液体。医生会和您讨论下一步治疗。"),
    _c("abd-app-en-4", "abdomen", "en", APPENDIX,
       "Acute appendicitis with an appendicolith, complicated by perforation. No abscess.",
       "perforation: negated -> stated"),
    _c("abd-app-en-5", "abdomen", "en", APPENDIX,
       "Your appendix is inflamed and swollen to 12 mm, with a small hard piece of stool at its base. It "
       "has not burst. There are also some swollen lymph glands next to it.",
       "invented finding: enlarged lymph nodes"),
    _c("abd-app-en-6", "abdomen", "en", APPENDIX,
       "The appendix is dilated to 21 mm with wall thickening and surrounding fat stranding. An "
       "appendicolith is present. No abscess or perforation.",
       "size: 12 mm -> 21 mm"),
    _c("abd-app-zh-2", "abdomen", "zh", APPENDIX,
       "CT显示您得了急性阑尾炎，阑尾肿大到12毫米，根部有一颗粪石。阑尾已经穿孔，但没有脓肿。",
       "perforation: negated -> stated"),
    # ---- musculoskeletal: distal radius fracture -----------------------------------------------
    _c("msk-wr-en-1", "musculoskeletal", "en", WRIST,
       "Transverse, extra-articular fracture of the distal left radius with 3 mm dorsal displacement and "
       "mild dorsal angulation. Intact ulnar styloid; normal carpal alignment. Mild soft tissue swelling."),
    _c("msk-wr-en-2", "musculoskeletal", "en", WRIST,
       "The X-rays show a break in the radius, one of the two forearm bones, just above your left wrist. "
       "The broken ends have moved about 3 mm and are tilted slightly backwards. The break does not go "
       "into the wrist joint. The tip of the other forearm bone is not broken, and the small wrist bones "
       "are lined up normally. There is some mild swelling."),
    _c("msk-wr-zh-1", "musculoskeletal", "zh", WRIST,
       "X光片显示您左手腕的桡骨远端有一处横行骨折，骨折端向背侧移位约3毫米，有轻度成角。骨折没有累及关节。"
       "尺骨茎突完好，腕骨排列正常。手腕周围有轻度软组织肿胀。"),
    _c("msk-wr-en-3", "musculoskeletal", "en", WRIST,
       "Comminuted fracture of the distal left radius with 3 mm dorsal displacement and mild dorsal "
       "angulation, not extending into the joint. Ulnar styloid intact.",
       "fracture descriptor: transverse -> comminuted"),
    _c("msk-wr-en-4", "musculoskeletal", "en", WRIST,
       "You have broken the radius bone just above your left wrist. The ends have moved about 3 mm. The "
       "break extends into the wrist joint.",
       "intra-articular extension: negated -> stated"),
    _c("msk-wr-zh-2", "musculoskeletal", "zh", WRIST,
       "X光显示您右手腕的桡骨远端骨折，骨折端移位约3毫米，没有累及关节。",
       "side: left -> right"),
    # ---- musculoskeletal: knee MRI -----------------------------------------------------------------
    _c("msk-kn-en-1", "musculoskeletal", "en", KNEE,
       "Complex tear of the posterior horn of the medial meniscus. ACL and PCL intact. Grade 1 MCL sprain. "
       "Moderate joint effusion. Mild cartilage thinning over the medial femoral condyle. No fracture or "
       "bone bruise."),
    _c("msk-kn-en-2", "musculoskeletal", "en", KNEE,
       "Your MRI shows a complex tear in the back part of the inner cushion (meniscus) of your knee. The "
       "two main ligaments in the middle of your knee (the cruciate ligaments) are not torn. A ligament "
       "on the inner side of the knee is mildly sprained. There is a moderate amount of fluid in the knee "
       "joint and some mild thinning of the cartilage. No bones are broken or bruised. Your doctor will "
       "go through the options with you."),
    _c("msk-kn-zh-1", "musculoskeletal", "zh", KNEE,
       "核磁共振显示您膝关节内侧半月板后角有复杂撕裂。前交叉韧带和后交叉韧带都完好。内侧副韧带有轻度扭伤。"
       "关节里有中等量积液，内侧股骨髁软骨轻度变薄。没有骨折或骨挫伤。"),
    _c("msk-kn-en-3", "musculoskeletal", "en", KNEE,
       "Complex tear of the posterior horn of the lateral meniscus. Intact cruciate ligaments. Moderate "
       "joint effusion.",
       "location: medial -> lateral meniscus"),
    _c("msk-kn-en-4", "musculoskeletal", "en", KNEE,
       "Your MRI shows a tear in the back part of the inner meniscus. Your anterior cruciate ligament "
       "(ACL) is torn. There is a moderate amount of fluid in the knee.",
       "ACL: intact -> torn"),
    _c("msk-kn-zh-2", "musculoskeletal", "zh", KNEE,
       "核磁共振显示您膝关节内侧半月板后角有复杂撕裂，交叉韧带完好，关节里有大量积液。",
       "effusion severity: moderate -> large"),
    # ---- musculoskeletal: lumbar spine MRI ---------------------------------------------------------
    _c("msk-ls-en-1", "musculoskeletal", "en", LSPINE,
       "Left paracentral disc extrusion at L4-L5 compressing the traversing left L5 nerve root, with "
       "moderate spinal canal stenosis. Mild L5-S1 disc bulge without nerve root compression. Normal "
       "conus termination at L1. No fracture."),
    _c("msk-ls-en-2", "musculoskeletal", "en", LSPINE,
       "The MRI of your lower back shows that the disc between the L4 and L5 vertebrae has pushed out to "
       "the left and is pressing on the left L5 nerve root. This narrows the spinal canal a moderate "
       "amount. The disc below, at L5-S1, bulges slightly but does not press on a nerve. The end of the "
       "spinal cord is in its normal place and there are no broken bones."),
    _c("msk-ls-zh-1", "musculoskeletal", "zh", LSPINE,
       "核磁共振显示您腰椎L4-L5椎间盘向左后方突出，压迫左侧L5神经根，椎管中度狭窄。L5-S1椎间盘轻度膨出，"
       "没有压迫神经。脊髓末端位置正常，没有骨折。"),
    _c("msk-ls-en-3", "musculoskeletal", "en", LSPINE,
       "L5-S1 left paracentral disc extrusion compressing the left S1 nerve root with moderate canal "
       "stenosis. Mild disc bulge at L4-L5.",
       "level: L4-L5 -> L5-S1"),
    _c("msk-ls-en-4", "musculoskeletal", "en", LSPINE,
       "A disc in your lower back, between L4 and L5, has pushed out and is pressing on the right L5 "
       "nerve root. The spinal canal is moderately narrowed.",
       "nerve root side: left -> right"),
    _c("msk-ls-zh-2", "musculoskeletal", "zh", LSPINE,
       "核磁共振显示您腰椎L4-L5椎间盘突出，压迫左侧L5神经根，椎管重度狭窄。",
       "canal stenosis severity: moderate -> severe"),
]

assert len({c.id for c in CASES}) == len(CASES)


# ---- batch 2 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batch 1 (``CASES``), before the guard was run on it;
# its first run is recorded in the README (``python -m bench.guard_heldout --set dev2``).

SDH = """FINDINGS: Acute left frontoparietal subdural hematoma measuring up to 9 mm in thickness, with 4 mm \
of rightward midline shift. Effacement of the left lateral ventricle. No subarachnoid hemorrhage. No skull \
fracture. The basal cisterns are patent.
IMPRESSION: Acute 9 mm left subdural hematoma with 4 mm midline shift. No skull fracture."""

MCA = """FINDINGS: Acute infarct in the right middle cerebral artery territory involving the right insula and \
frontal operculum, with restricted diffusion. No hemorrhagic transformation. Occlusion of the right M1 \
segment on the CT angiogram. Old lacunar infarct in the left thalamus.
IMPRESSION: Acute right MCA territory infarct with M1 occlusion. No hemorrhage."""

PNEUMONIA = """FINDINGS: Patchy consolidation in the left lower lobe with air bronchograms. Small left pleural \
effusion. The right lung is clear. Heart size is normal. No pneumothorax.
IMPRESSION: Left lower lobe pneumonia with a small parapneumonic effusion."""

PNX = """FINDINGS: Large right pneumothorax with 3 cm apical separation and mild leftward mediastinal shift. \
No rib fracture. The left lung is clear.
IMPRESSION: Large right pneumothorax with mild mediastinal shift. No rib fracture."""

URETER = """FINDINGS: A 5 mm calculus in the distal left ureter, just above the ureterovesical junction, with \
mild left hydronephrosis and perinephric stranding. The right kidney is normal without calculi. The \
bladder is unremarkable. The appendix is normal.
IMPRESSION: 5 mm obstructing distal left ureteric calculus with mild hydronephrosis."""

DIVERTICULITIS = """FINDINGS: Wall thickening of the sigmoid colon with surrounding fat stranding and several \
diverticula, consistent with acute diverticulitis. A 1.5 cm pocket of extraluminal gas adjacent to the \
sigmoid colon, compatible with a contained perforation. No abscess. No free fluid.
IMPRESSION: Acute sigmoid diverticulitis with a small contained perforation. No abscess."""

ANKLE = """FINDINGS: Right ankle, three views. Oblique fracture of the distal fibula at the level of the \
ankle joint, minimally displaced. The medial malleolus is intact. The ankle mortise is congruent. Soft \
tissue swelling over the lateral malleolus.
IMPRESSION: Minimally displaced distal fibular fracture (Weber B). Mortise congruent."""

SHOULDER = """FINDINGS: Full-thickness tear of the supraspinatus tendon measuring 1.5 cm, with 2 cm of \
retraction. No muscle atrophy. The infraspinatus and subscapularis tendons are intact. Moderate \
acromioclavicular joint osteoarthritis. Small subacromial bursal effusion.
IMPRESSION: 1.5 cm full-thickness supraspinatus tear with 2 cm retraction, without atrophy."""

BATCH_2: list[DevCase] = [
    # neuro: subdural hematoma
    _c("b2-neuro-sdh-en-1", "neuro", "en", SDH,
       "Acute left frontoparietal subdural hematoma, up to 9 mm thick, causing 4 mm of rightward midline "
       "shift and effacement of the left lateral ventricle. No subarachnoid hemorrhage or skull fracture."),
    _c("b2-neuro-sdh-en-2", "neuro", "en", SDH,
       "Your scan shows a collection of blood between the brain and its outer covering on the left side. "
       "It is up to 9 mm thick and is pushing the brain slightly towards the right, by 4 mm. Your skull "
       "is not broken and there is no other bleeding. Your doctors will explain the next steps."),
    _c("b2-neuro-sdh-zh-1", "neuro", "zh", SDH,
       "CT显示您左侧额顶部有急性硬膜下血肿，最厚约9毫米，使大脑中线向右移位4毫米。没有蛛网膜下腔出血，"
       "颅骨没有骨折。"),
    _c("b2-neuro-sdh-en-3", "neuro", "en", SDH,
       "Acute right frontoparietal subdural hematoma measuring up to 9 mm with 4 mm midline shift.",
       "side: left -> right"),
    _c("b2-neuro-sdh-en-4", "neuro", "en", SDH,
       "Your scan shows a bleed on the surface of the left side of the brain, up to 9 mm thick, pushing "
       "the brain over by 4 mm. There is also a crack in the skull.",
       "skull fracture: negated -> stated"),
    _c("b2-neuro-sdh-zh-2", "neuro", "zh", SDH,
       "CT显示您左侧有急性硬膜下血肿，最厚约9毫米，中线移位4毫米，同时还有蛛网膜下腔出血。",
       "subarachnoid hemorrhage: negated -> stated"),
    # neuro: MCA infarct
    _c("b2-neuro-mca-en-1", "neuro", "en", MCA,
       "Acute right MCA territory infarct involving the insula and frontal operculum, with restricted "
       "diffusion and occlusion of the right M1 segment. No hemorrhagic transformation. Old left thalamic "
       "lacunar infarct."),
    _c("b2-neuro-mca-en-2", "neuro", "en", MCA,
       "The scan shows that you have had a stroke on the right side of the brain. It was caused by a "
       "blocked artery, the right middle cerebral artery. There is no bleeding into the stroke. There is "
       "also a small old stroke deep in the left side of the brain, from some time ago. Your stroke team "
       "will talk to you about treatment."),
    _c("b2-neuro-mca-zh-1", "neuro", "zh", MCA,
       "检查显示您右侧大脑中动脉供血区有急性脑梗死，右侧大脑中动脉M1段闭塞，没有出血。左侧丘脑还有一个陈旧的小梗死灶。"),
    _c("b2-neuro-mca-en-3", "neuro", "en", MCA,
       "Acute right MCA territory infarct with M1 occlusion and hemorrhagic transformation.",
       "hemorrhagic transformation: negated -> stated"),
    _c("b2-neuro-mca-en-4", "neuro", "en", MCA,
       "You have had a stroke on the left side of the brain, caused by a blocked artery.",
       "side: right -> left"),
    _c("b2-neuro-mca-zh-2", "neuro", "zh", MCA,
       "检查显示您右侧大脑有急性脑梗死，右侧大脑中动脉闭塞，没有出血。另外还有脑萎缩。",
       "invented finding: brain atrophy"),
    # chest: pneumonia
    _c("b2-chest-pna-en-1", "chest", "en", PNEUMONIA,
       "Patchy left lower lobe consolidation with air bronchograms, in keeping with pneumonia, and a small "
       "left parapneumonic effusion. The right lung is clear. Normal heart size. No pneumothorax."),
    _c("b2-chest-pna-en-2", "chest", "en", PNEUMONIA,
       "Your chest X-ray shows a chest infection (pneumonia) in the bottom part of your left lung. There "
       "is a small amount of fluid next to that lung, which is common with pneumonia. Your right lung is "
       "clear and your heart is a normal size. Your doctor will talk to you about treatment."),
    _c("b2-chest-pna-zh-1", "chest", "zh", PNEUMONIA,
       "胸片显示您左肺下叶有肺炎，左侧胸腔有少量积液。右肺清晰，心脏大小正常，没有气胸。"),
    _c("b2-chest-pna-en-3", "chest", "en", PNEUMONIA,
       "Your X-ray shows pneumonia in the lower part of your left lung, with a large amount of fluid "
       "around the lung.",
       "effusion severity: small -> large"),
    _c("b2-chest-pna-en-4", "chest", "en", PNEUMONIA,
       "Left lower lobe pneumonia with a small parapneumonic effusion. A small left pneumothorax is also "
       "present.",
       "pneumothorax: negated -> stated"),
    _c("b2-chest-pna-zh-2", "chest", "zh", PNEUMONIA,
       "胸片显示您右肺下叶有肺炎，左侧胸腔有少量积液。",
       "pneumonia side: left -> right"),
    # chest: pneumothorax
    _c("b2-chest-pnx-en-1", "chest", "en", PNX,
       "Large right-sided pneumothorax with a 3 cm apical gap and mild shift of the mediastinum to the "
       "left. No rib fractures. Clear left lung."),
    _c("b2-chest-pnx-en-2", "chest", "en", PNX,
       "Your X-ray shows a large collapsed lung on the right side: air has leaked out of the lung into "
       "the space around it. The middle of your chest has been pushed slightly to the left. No ribs are "
       "broken and your left lung is clear. This needs treatment, and your doctors will look after you."),
    _c("b2-chest-pnx-zh-1", "chest", "zh", PNX,
       "X光显示您右侧有大量气胸，肺尖处分离约3厘米，纵隔轻度向左移位。没有肋骨骨折，左肺清晰。"),
    _c("b2-chest-pnx-en-3", "chest", "en", PNX,
       "Small right pneumothorax with 3 cm apical separation. No rib fracture.",
       "severity: large -> small"),
    _c("b2-chest-pnx-en-4", "chest", "en", PNX,
       "Your X-ray shows a large collapsed lung on the right side, and a broken rib.",
       "rib fracture: negated -> stated"),
    _c("b2-chest-pnx-zh-2", "chest", "zh", PNX,
       "X光显示您右侧有大量气胸，纵隔明显向左移位，没有肋骨骨折。",
       "shift severity: mild -> marked"),
    # abdomen: ureteric stone
    _c("b2-abd-ur-en-1", "abdomen", "en", URETER,
       "5 mm obstructing calculus in the distal left ureter just above the UVJ, with mild left "
       "hydronephrosis and perinephric fat stranding. Normal right kidney without stones. Normal bladder "
       "and appendix."),
    _c("b2-abd-ur-en-2", "abdomen", "en", URETER,
       "The scan shows a small kidney stone, 5 mm in size, stuck in the lower end of the tube that drains "
       "your left kidney, close to the bladder. It is causing a mild backup of urine, so the left kidney "
       "is slightly swollen. Your right kidney is normal and has no stones. Many stones this size pass "
       "on their own; your doctor will talk to you about pain relief and what to do next."),
    _c("b2-abd-ur-zh-1", "abdomen", "zh", URETER,
       "CT显示您左侧输尿管下段有一颗5毫米的结石，导致左肾轻度积水。右肾正常，没有结石。膀胱和阑尾正常。"),
    _c("b2-abd-ur-en-3", "abdomen", "en", URETER,
       "5 mm obstructing calculus in the distal left ureter with severe left hydronephrosis.",
       "hydronephrosis severity: mild -> severe"),
    _c("b2-abd-ur-en-4", "abdomen", "en", URETER,
       "There is a 5 mm stone in the tube from your left kidney, with mild swelling of that kidney. There "
       "is also a stone in your right kidney.",
       "right kidney stone: negated -> stated"),
    _c("b2-abd-ur-zh-2", "abdomen", "zh", URETER,
       "CT显示您左侧输尿管下段有一颗8毫米的结石，左肾轻度积水。",
       "size: 5 mm -> 8 mm"),
    # abdomen: diverticulitis with contained perforation
    _c("b2-abd-div-en-1", "abdomen", "en", DIVERTICULITIS,
       "Acute sigmoid diverticulitis: wall thickening, pericolic fat stranding and several diverticula. "
       "A 1.5 cm focus of extraluminal gas next to the sigmoid colon indicates a small contained "
       "perforation. No abscess or free fluid."),
    _c("b2-abd-div-en-2", "abdomen", "en", DIVERTICULITIS,
       "Your scan shows inflammation of small pouches in the wall of the lower part of your large bowel "
       "(diverticulitis). There is a small leak of air next to the bowel, which means there is a small "
       "hole that has been sealed off by the body. There is no pocket of pus. Your doctors will discuss "
       "treatment with you."),
    _c("b2-abd-div-zh-1", "abdomen", "zh", DIVERTICULITIS,
       "CT显示您乙状结肠有急性憩室炎，肠壁增厚，旁边有一个约1.5厘米的小气泡，提示有小的局限性穿孔。没有脓肿，也没有腹腔积液。"),
    _c("b2-abd-div-en-3", "abdomen", "en", DIVERTICULITIS,
       "Acute sigmoid diverticulitis with a small contained perforation and a 1.5 cm pericolic abscess.",
       "abscess: negated -> stated"),
    _c("b2-abd-div-en-4", "abdomen", "en", DIVERTICULITIS,
       "Your scan shows inflammation of pouches in the wall of your large bowel, on the right side of "
       "your belly. There is no pocket of pus.",
       "location: sigmoid (left) -> right side"),
    _c("b2-abd-div-zh-2", "abdomen", "zh", DIVERTICULITIS,
       "CT显示您乙状结肠有急性憩室炎，没有穿孔，也没有脓肿。",
       "perforation: stated -> negated"),
    # musculoskeletal: ankle
    _c("b2-msk-ank-en-1", "musculoskeletal", "en", ANKLE,
       "Minimally displaced oblique fracture of the distal right fibula at the level of the ankle joint "
       "(Weber B). Intact medial malleolus; congruent mortise. Lateral soft tissue swelling."),
    _c("b2-msk-ank-en-2", "musculoskeletal", "en", ANKLE,
       "The X-rays show a break in the thin outer bone of your lower leg (the fibula), just at the level "
       "of your right ankle joint. The bone has only moved very slightly. The bone on the inner side of "
       "the ankle is not broken and the ankle joint is lined up normally. There is swelling on the outer "
       "side of the ankle."),
    _c("b2-msk-ank-zh-1", "musculoskeletal", "zh", ANKLE,
       "X光显示您右踝的腓骨远端有斜行骨折，轻微移位。内踝完好，踝关节对位正常。外踝周围软组织肿胀。"),
    _c("b2-msk-ank-en-3", "musculoskeletal", "en", ANKLE,
       "Minimally displaced distal fibular fracture with a fracture of the medial malleolus.",
       "medial malleolus: intact -> fractured"),
    _c("b2-msk-ank-en-4", "musculoskeletal", "en", ANKLE,
       "The X-rays show a badly displaced break of the fibula at your right ankle.",
       "displacement: minimal -> marked"),
    _c("b2-msk-ank-zh-2", "musculoskeletal", "zh", ANKLE,
       "X光显示您左踝的腓骨远端骨折，轻微移位，内踝完好。",
       "side: right -> left"),
    # musculoskeletal: shoulder
    _c("b2-msk-sh-en-1", "musculoskeletal", "en", SHOULDER,
       "1.5 cm full-thickness supraspinatus tendon tear with 2 cm retraction and no muscle atrophy. "
       "Intact infraspinatus and subscapularis. Moderate AC joint osteoarthritis. Small subacromial "
       "bursal effusion."),
    _c("b2-msk-sh-en-2", "musculoskeletal", "en", SHOULDER,
       "Your MRI shows a complete tear through one of the rotator cuff tendons at the top of your "
       "shoulder (the supraspinatus). The tear is 1.5 cm wide and the torn end has pulled back by 2 cm. "
       "The muscle has not wasted away. The other tendons are intact. There is moderate wear and tear "
       "arthritis in the small joint at the top of the shoulder, and a little fluid."),
    _c("b2-msk-sh-zh-1", "musculoskeletal", "zh", SHOULDER,
       "核磁共振显示您冈上肌腱有1.5厘米的全层撕裂，断端回缩2厘米，肌肉没有萎缩。冈下肌腱和肩胛下肌腱完好。"
       "肩锁关节有中度骨关节炎，肩峰下滑囊有少量积液。"),
    _c("b2-msk-sh-en-3", "musculoskeletal", "en", SHOULDER,
       "1.5 cm partial-thickness supraspinatus tear with 2 cm retraction, without atrophy.",
       "descriptor: full-thickness -> partial-thickness"),
    _c("b2-msk-sh-en-4", "musculoskeletal", "en", SHOULDER,
       "Your MRI shows a complete tear of the supraspinatus tendon, 1.5 cm wide, and the muscle has "
       "started to waste away.",
       "atrophy: negated -> stated"),
    _c("b2-msk-sh-zh-2", "musculoskeletal", "zh", SHOULDER,
       "核磁共振显示您冈上肌腱有1.5厘米的全层撕裂，肌肉没有萎缩。冈下肌腱也有撕裂。",
       "infraspinatus: intact -> torn"),
]

assert len({c.id for c in CASES + BATCH_2}) == len(CASES) + len(BATCH_2)


# ---- batch 3 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1 and 2, before the guard was run on it
# (``python -m bench.guard_heldout --set dev3``; first run recorded in the README).

MS = """FINDINGS: Multiple T2/FLAIR hyperintense lesions in the periventricular and juxtacortical white \
matter, several ovoid and perpendicular to the lateral ventricles. One lesion in the left frontal \
periventricular white matter shows enhancement, indicating active inflammation. No restricted diffusion. \
The cerebellum and brainstem are normal.
IMPRESSION: Multiple demyelinating lesions in keeping with multiple sclerosis, one of them active."""

SINUS = """FINDINGS: Mucosal thickening of both maxillary sinuses with an air-fluid level in the right \
maxillary sinus. The frontal and sphenoid sinuses are clear. The brain is normal. No fracture.
IMPRESSION: Acute right maxillary sinusitis on a background of bilateral mucosal thickening."""

CHF = """FINDINGS: The heart is enlarged. Upper lobe venous diversion and interstitial septal lines. \
Small bilateral pleural effusions. No focal consolidation. No pneumothorax.
IMPRESSION: Cardiomegaly with interstitial pulmonary edema and small bilateral pleural effusions, in \
keeping with congestive heart failure."""

LUNGCA = """FINDINGS: A 3.4 cm spiculated mass in the right upper lobe abutting the mediastinal pleura. \
Enlarged right hilar and subcarinal lymph nodes, the largest 18 mm in short axis. No pleural effusion. \
No bone lesions. The adrenal glands are normal.
IMPRESSION: 3.4 cm spiculated right upper lobe mass with right hilar and subcarinal lymphadenopathy, \
highly suspicious for lung cancer. No distant metastases in the imaged field."""

PANC = """FINDINGS: The pancreas is diffusely enlarged with peripancreatic fat stranding and a small \
amount of peripancreatic fluid. The pancreas enhances normally, without necrosis. No pseudocyst. The \
common bile duct is not dilated. Gallstones are present.
IMPRESSION: Acute interstitial edematous pancreatitis, likely gallstone-related. No necrosis."""

SBO = """FINDINGS: Dilated small bowel loops up to 3.5 cm with a transition point in the right lower \
quadrant and collapsed distal ileum and colon. No bowel wall thickening. Normal bowel wall enhancement. \
No free air. Small amount of free fluid between bowel loops.
IMPRESSION: Small bowel obstruction with a transition point in the right lower quadrant, likely due to \
adhesions. No signs of ischemia or perforation."""

HIP = """FINDINGS: Severe narrowing of the left hip joint space with subchondral sclerosis, subchondral \
cysts and marginal osteophytes. Mild joint space narrowing of the right hip. No fracture. No \
avascular necrosis.
IMPRESSION: Severe left hip osteoarthritis. Mild right hip osteoarthritis."""

SCAPHOID = """FINDINGS: Right wrist, four views. Non-displaced fracture through the waist of the \
scaphoid. The distal radius and ulna are intact. Normal carpal alignment. No dislocation.
IMPRESSION: Non-displaced scaphoid waist fracture."""

BATCH_3: list[DevCase] = [
    _c("b3-neuro-ms-en-1", "neuro", "en", MS,
       "Your MRI shows several small patches of inflammation in the white matter of the brain, mostly "
       "next to the fluid spaces in the middle of the brain. Their shape and position are typical of "
       "multiple sclerosis (MS). One patch in the left front part of the brain is active, which means "
       "the inflammation there is recent. The back part of the brain and the brainstem look normal. Your "
       "neurologist will discuss what this means for you."),
    _c("b3-neuro-ms-zh-1", "neuro", "zh", MS,
       "核磁共振显示您脑白质内有多个病灶，主要在侧脑室旁和皮层下，形态符合多发性硬化。左侧额叶脑室旁的一个病灶有强化，"
       "说明正处于活动期。小脑和脑干正常。"),
    _c("b3-neuro-ms-en-2", "neuro", "en", MS,
       "Multiple periventricular and juxtacortical white matter lesions consistent with multiple "
       "sclerosis. None of the lesions enhance.",
       "enhancement: stated -> negated"),
    _c("b3-neuro-ms-zh-2", "neuro", "zh", MS,
       "核磁共振显示您脑白质内有多个病灶，符合多发性硬化，右侧额叶的一个病灶有强化。",
       "side: left -> right"),
    _c("b3-neuro-sin-en-1", "neuro", "en", SINUS,
       "The scan shows swelling of the lining of both cheek sinuses, and there is fluid in the right one. "
       "This fits with a sinus infection on the right side. The other sinuses are clear, your brain looks "
       "normal and there are no broken bones."),
    _c("b3-neuro-sin-zh-1", "neuro", "zh", SINUS,
       "CT显示您双侧上颌窦黏膜增厚，右侧上颌窦有气液平面，符合右侧急性上颌窦炎。额窦和蝶窦清晰，大脑正常，没有骨折。"),
    _c("b3-neuro-sin-en-2", "neuro", "en", SINUS,
       "Acute left maxillary sinusitis with an air-fluid level on a background of bilateral mucosal "
       "thickening.",
       "side: right -> left"),
    _c("b3-neuro-sin-en-3", "neuro", "en", SINUS,
       "There is thickening of the lining of both cheek sinuses with fluid in the right one, in keeping "
       "with sinusitis. There is also fluid in the frontal sinuses.",
       "frontal sinus: clear -> fluid"),
    _c("b3-chest-chf-en-1", "chest", "en", CHF,
       "Your chest X-ray shows that your heart is larger than normal, and there is some fluid in the lungs "
       "and a small amount of fluid around both lungs. These changes fit with heart failure, which means "
       "the heart is not pumping as well as it should. There is no sign of pneumonia. Your doctor will talk "
       "to you about treatment."),
    _c("b3-chest-chf-zh-1", "chest", "zh", CHF,
       "胸片显示您心脏增大，肺部有间质性水肿，两侧胸腔有少量积液，符合充血性心力衰竭。没有肺炎，也没有气胸。"),
    _c("b3-chest-chf-en-2", "chest", "en", CHF,
       "Cardiomegaly with interstitial pulmonary edema and large bilateral pleural effusions.",
       "effusion severity: small -> large"),
    _c("b3-chest-chf-zh-2", "chest", "zh", CHF,
       "胸片显示您心脏增大，肺部有水肿，两侧胸腔有少量积液，右肺下叶还有肺炎。",
       "invented/negated finding: consolidation"),
    _c("b3-chest-ca-en-1", "chest", "en", LUNGCA,
       "The scan shows a 3.4 cm mass with irregular, spiky edges in the top part of your right lung. "
       "Some lymph glands near the right lung root and below the windpipe split are enlarged, the biggest "
       "18 mm. These findings are very worrying for lung cancer. "
       "There is no fluid around the lung and no sign of spread to the bones or adrenal glands."),
    _c("b3-chest-ca-zh-1", "chest", "zh", LUNGCA,
       "CT显示您右肺上叶有一个3.4厘米的毛刺状肿块，右肺门和隆突下淋巴结肿大，最大的约18毫米，高度怀疑肺癌。"
       "没有胸腔积液，骨头和肾上腺没有发现转移。"),
    _c("b3-chest-ca-en-2", "chest", "en", LUNGCA,
       "3.4 cm spiculated right upper lobe mass with right hilar and subcarinal lymphadenopathy. A small "
       "right pleural effusion is present.",
       "pleural effusion: negated -> stated"),
    _c("b3-chest-ca-en-3", "chest", "en", LUNGCA,
       "The scan shows a 3.4 cm mass in the top part of your right lung. The lymph glands nearby are "
       "enlarged, the biggest 28 mm.",
       "node size: 18 mm -> 28 mm"),
    _c("b3-abd-panc-en-1", "abdomen", "en", PANC,
       "Your scan shows that your pancreas is swollen and inflamed (acute pancreatitis), with a little fluid "
       "around it. The pancreas still has a good blood supply, so none of it has died. You also have "
       "gallstones, which are the likely cause. The main bile duct is not widened."),
    _c("b3-abd-panc-zh-1", "abdomen", "zh", PANC,
       "CT显示您得了急性水肿性胰腺炎，胰腺弥漫性肿大，周围有渗出和少量积液，没有坏死，也没有假性囊肿。"
       "胆总管没有扩张。您有胆结石，很可能是胰腺炎的原因。"),
    _c("b3-abd-panc-en-2", "abdomen", "en", PANC,
       "Acute pancreatitis with peripancreatic fluid and areas of pancreatic necrosis. Gallstones.",
       "necrosis: negated -> stated"),
    _c("b3-abd-panc-en-3", "abdomen", "en", PANC,
       "Your pancreas is inflamed, with a little fluid around it. The main bile duct is widened.",
       "bile duct dilatation: negated -> stated"),
    _c("b3-abd-sbo-en-1", "abdomen", "en", SBO,
       "The scan shows a blockage of your small bowel. The bowel above the blockage is stretched to 3.5 cm, "
       "and the blockage is in the lower right part of your belly. It is most likely caused by bands of "
       "scar tissue inside the belly. The blood supply to the bowel looks fine and there is no hole in the "
       "bowel."),
    _c("b3-abd-sbo-zh-1", "abdomen", "zh", SBO,
       "CT显示您有小肠梗阻，扩张的小肠最宽约3.5厘米，梗阻点在右下腹，很可能是肠粘连引起的。肠壁没有缺血的表现，也没有穿孔。"),
    _c("b3-abd-sbo-en-2", "abdomen", "en", SBO,
       "Small bowel obstruction with a transition point in the left lower quadrant, likely due to "
       "adhesions.",
       "location: right -> left lower quadrant"),
    _c("b3-abd-sbo-zh-2", "abdomen", "zh", SBO,
       "CT显示您有小肠梗阻，梗阻点在右下腹，肠壁有缺血的表现。",
       "ischemia: negated -> stated"),
    _c("b3-msk-hip-en-1", "musculoskeletal", "en", HIP,
       "Your X-ray shows severe wear and tear arthritis in your left hip: the joint space is very narrow "
       "and there are bone spurs and small cysts in the bone. Your right hip has mild arthritis. No bones "
       "are broken. Your doctor will talk to you about the options."),
    _c("b3-msk-hip-zh-1", "musculoskeletal", "zh", HIP,
       "X光显示您左髋关节有重度骨关节炎，关节间隙明显变窄，有骨赘和软骨下囊变。右髋有轻度骨关节炎。没有骨折，"
       "也没有股骨头坏死。"),
    _c("b3-msk-hip-en-2", "musculoskeletal", "en", HIP,
       "Severe right hip osteoarthritis. Mild left hip osteoarthritis.",
       "sides swapped"),
    _c("b3-msk-hip-zh-2", "musculoskeletal", "zh", HIP,
       "X光显示您左髋关节有轻度骨关节炎，右髋也有轻度骨关节炎。",
       "severity: severe -> mild"),
    _c("b3-msk-sca-en-1", "musculoskeletal", "en", SCAPHOID,
       "The X-rays show a crack through the middle of one of the small wrist bones (the scaphoid) in your "
       "right wrist. The bone has not moved out of place. The forearm bones are not broken and the wrist "
       "bones are lined up normally. A scaphoid break can be hard to see, so your doctor may arrange a "
       "follow-up."),
    _c("b3-msk-sca-zh-1", "musculoskeletal", "zh", SCAPHOID,
       "X光显示您右手腕舟骨腰部骨折，没有移位。桡骨和尺骨远端完好，腕骨排列正常，没有脱位。"),
    _c("b3-msk-sca-en-2", "musculoskeletal", "en", SCAPHOID,
       "Displaced fracture through the waist of the scaphoid.",
       "displacement: non-displaced -> displaced"),
    _c("b3-msk-sca-en-3", "musculoskeletal", "en", SCAPHOID,
       "The X-rays show a crack through one of the small wrist bones (the scaphoid). The end of the "
       "radius is also broken.",
       "distal radius: intact -> fractured"),
]

assert len({c.id for c in CASES + BATCH_2 + BATCH_3}) == len(CASES) + len(BATCH_2) + len(BATCH_3)


# ---- batch 4 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1-3, before the guard was run on it
# (``python -m bench.guard_heldout --set dev4``; first run recorded in the README).

NPH = """FINDINGS: The lateral and third ventricles are enlarged out of proportion to the sulci. The \
fourth ventricle is normal in size. No periventricular edema. No mass or hemorrhage. Mild generalized \
cerebral volume loss.
IMPRESSION: Communicating hydrocephalus, which may represent normal pressure hydrocephalus in the \
appropriate clinical setting. Mild generalized volume loss."""

AAA = """FINDINGS: Fusiform infrarenal abdominal aortic aneurysm measuring 5.6 cm in maximal diameter, \
with mural thrombus. No periaortic stranding or retroperitoneal hematoma to suggest rupture. The iliac \
arteries are of normal caliber.
IMPRESSION: 5.6 cm infrarenal abdominal aortic aneurysm without signs of rupture."""

EMPHYSEMA = """FINDINGS: Moderate centrilobular emphysema, most marked in the upper lobes. A 2.5 cm bulla \
in the right apex. Bronchial wall thickening in both lower lobes. No nodules. No consolidation. No \
pleural effusion.
IMPRESSION: Moderate upper lobe predominant centrilobular emphysema with a 2.5 cm right apical bulla."""

RIBS = """FINDINGS: Acute non-displaced fractures of the left 6th, 7th and 8th ribs laterally. No \
pneumothorax. Small left pleural effusion, likely hemothorax. No lung contusion.
IMPRESSION: Three non-displaced left rib fractures (6-8) with a small left hemothorax. No pneumothorax."""

RCC = """FINDINGS: A 4.2 cm solid enhancing mass in the lower pole of the right kidney, suspicious for \
renal cell carcinoma. The renal vein and IVC are patent. No enlarged retroperitoneal lymph nodes. The left \
kidney is normal. The adrenal glands are normal.
IMPRESSION: 4.2 cm solid right renal mass, suspicious for renal cell carcinoma. No venous invasion or \
adenopathy."""

HERNIA = """FINDINGS: A right inguinal hernia containing a loop of small bowel, with a 2 cm neck. No bowel \
obstruction. No bowel wall thickening or free fluid within the hernia sac to suggest strangulation.
IMPRESSION: Right inguinal hernia containing small bowel, without obstruction or strangulation."""

ACHILLES = """FINDINGS: Complete tear of the Achilles tendon 5 cm above its calcaneal insertion, with a \
3 cm gap between the torn ends. Surrounding edema and hematoma. The calcaneus is intact. No ankle joint \
effusion.
IMPRESSION: Complete Achilles tendon rupture with a 3 cm gap."""

VCF = """FINDINGS: Acute compression fracture of the T12 vertebral body with 40% loss of height and bone \
marrow edema. Mild retropulsion of the posterior cortex without cord compression. The remaining \
vertebral bodies are of normal height. No other fracture.
IMPRESSION: Acute T12 compression fracture with 40% height loss and mild retropulsion, no cord \
compression."""

BATCH_4: list[DevCase] = [
    _c("b4-neuro-nph-en-1", "neuro", "en", NPH,
       "Your scan shows that the fluid-filled spaces inside your brain are larger than expected, more than "
       "the amount of shrinkage of the brain would explain. This is called hydrocephalus. It can be a sign of "
       "a condition called normal pressure hydrocephalus, and your doctor will look at this together with "
       "your symptoms. There is no bleeding or growth. The brain has shrunk a little, which is common with "
       "age."),
    _c("b4-neuro-nph-zh-1", "neuro", "zh", NPH,
       "CT显示您的侧脑室和第三脑室扩大，超出了脑萎缩的程度，第四脑室大小正常，考虑为交通性脑积水，可能是正常压力脑积水。"
       "没有肿块或出血。大脑有轻度萎缩。"),
    _c("b4-neuro-nph-en-2", "neuro", "en", NPH,
       "Communicating hydrocephalus with enlargement of the lateral, third and fourth ventricles. Mild "
       "generalized volume loss.",
       "fourth ventricle: normal -> enlarged"),
    _c("b4-neuro-nph-zh-2", "neuro", "zh", NPH,
       "CT显示您有交通性脑积水，大脑有重度萎缩，没有出血。",
       "volume loss severity: mild -> severe"),
    _c("b4-neuro-vcf-en-1", "neuro", "en", VCF,
       "The MRI shows a new compression fracture of the T12 bone in your spine, which has lost 40% of its "
       "height. A small piece of the back of the bone is pushed slightly backwards, but it does not press "
       "on the spinal cord. The other bones of the spine are a normal height."),
    _c("b4-neuro-vcf-zh-1", "neuro", "zh", VCF,
       "核磁共振显示您胸12椎体有新鲜的压缩性骨折，椎体高度丢失40%，后缘轻度后凸，但没有压迫脊髓。其他椎体高度正常。"),
    _c("b4-neuro-vcf-en-2", "neuro", "en", VCF,
       "Acute T12 compression fracture with 40% height loss and mild retropulsion causing cord compression.",
       "cord compression: negated -> stated"),
    _c("b4-neuro-vcf-en-3", "neuro", "en", VCF,
       "The MRI shows a new compression fracture of the L1 bone in your spine, which has lost 40% of its "
       "height.",
       "level: T12 -> L1"),
    _c("b4-chest-emph-en-1", "chest", "en", EMPHYSEMA,
       "Your CT shows moderate emphysema, which means damage to the small air sacs of the lungs, mostly in "
       "the upper parts of both lungs. There is a 2.5 cm air-filled space (a bulla) at the top of the right "
       "lung. The walls of the airways in the lower parts of both lungs are thickened. There are no spots on "
       "the lungs and no pneumonia or fluid."),
    _c("b4-chest-emph-zh-1", "chest", "zh", EMPHYSEMA,
       "CT显示您有中度小叶中心型肺气肿，以两肺上叶为主，右肺尖有一个2.5厘米的肺大泡。两肺下叶支气管壁增厚。"
       "没有结节，没有实变，也没有胸腔积液。"),
    _c("b4-chest-emph-en-2", "chest", "en", EMPHYSEMA,
       "Severe centrilobular emphysema, most marked in the upper lobes, with a 2.5 cm right apical bulla.",
       "severity: moderate -> severe"),
    _c("b4-chest-emph-zh-2", "chest", "zh", EMPHYSEMA,
       "CT显示您有中度肺气肿，左肺尖有一个2.5厘米的肺大泡。",
       "bulla side: right -> left"),
    _c("b4-chest-rib-en-1", "chest", "en", RIBS,
       "You have three broken ribs on the left side (the 6th, 7th and 8th), but the broken ends have not "
       "moved out of line. There is a small amount of blood around the left lung. The lung has not "
       "collapsed and is not bruised."),
    _c("b4-chest-rib-zh-1", "chest", "zh", RIBS,
       "CT显示您左侧第6、7、8肋骨骨折，没有移位。左侧胸腔有少量积液，可能是血胸。没有气胸，肺没有挫伤。"),
    _c("b4-chest-rib-en-2", "chest", "en", RIBS,
       "You have three broken ribs on the left side, and the lung underneath is bruised.",
       "lung contusion: negated -> stated"),
    _c("b4-chest-rib-en-3", "chest", "en", RIBS,
       "Three displaced left rib fractures (6-8) with a small left hemothorax. No pneumothorax.",
       "non-displaced -> displaced"),
    _c("b4-abd-aaa-en-1", "abdomen", "en", AAA,
       "Your scan shows a swelling of the main blood vessel in your belly (the aorta) below the kidneys. It "
       "measures 5.6 cm across and has some old clot lining its wall. There are no signs that it has burst "
       "or is leaking. The blood vessels to your legs are a normal size. Your doctor will talk to you about "
       "the next steps soon."),
    _c("b4-abd-aaa-zh-1", "abdomen", "zh", AAA,
       "CT显示您肾下腹主动脉有一个梭形动脉瘤，最大直径5.6厘米，瘤内有附壁血栓。没有破裂的迹象，髂动脉管径正常。"),
    _c("b4-abd-aaa-en-2", "abdomen", "en", AAA,
       "5.6 cm infrarenal abdominal aortic aneurysm with a small retroperitoneal hematoma, concerning for "
       "contained rupture.",
       "rupture / hematoma: negated -> stated"),
    _c("b4-abd-aaa-zh-2", "abdomen", "zh", AAA,
       "CT显示您肾下腹主动脉有一个动脉瘤，最大直径4.6厘米，没有破裂。",
       "size: 5.6 -> 4.6 cm"),
    _c("b4-abd-rcc-en-1", "abdomen", "en", RCC,
       "The scan shows a solid lump, 4.2 cm across, at the bottom end of your right kidney. Its appearance "
       "is worrying for a type of kidney cancer called renal cell carcinoma. There is no sign that it has "
       "grown into the nearby veins, and the lymph glands are not enlarged. Your left kidney and adrenal "
       "glands are normal. A specialist team will discuss the next steps with you."),
    _c("b4-abd-rcc-zh-1", "abdomen", "zh", RCC,
       "CT显示您右肾下极有一个4.2厘米的实性强化肿块，怀疑是肾细胞癌。肾静脉和下腔静脉通畅，腹膜后淋巴结没有肿大。"
       "左肾和肾上腺正常。"),
    _c("b4-abd-rcc-en-2", "abdomen", "en", RCC,
       "4.2 cm solid mass in the upper pole of the right kidney, suspicious for renal cell carcinoma.",
       "location: lower pole -> upper pole"),
    _c("b4-abd-rcc-en-3", "abdomen", "en", RCC,
       "The scan shows a 4.2 cm solid lump in your right kidney that is worrying for kidney cancer. The "
       "cancer has grown into the kidney vein.",
       "venous invasion: negated -> stated"),
    _c("b4-abd-her-en-1", "abdomen", "en", HERNIA,
       "You have a hernia in your right groin, and a loop of your small bowel has pushed into it through a "
       "2 cm opening. The bowel is not blocked and its blood supply does not look cut off."),
    _c("b4-abd-her-zh-1", "abdomen", "zh", HERNIA,
       "CT显示您右侧腹股沟疝，疝内有一段小肠，疝口约2厘米。没有肠梗阻，也没有绞窄的迹象。"),
    _c("b4-abd-her-en-2", "abdomen", "en", HERNIA,
       "You have a hernia in your left groin containing a loop of small bowel. The bowel is not blocked.",
       "side: right -> left"),
    _c("b4-abd-her-zh-2", "abdomen", "zh", HERNIA,
       "CT显示您右侧腹股沟疝，疝内有一段小肠，已经引起肠梗阻。",
       "obstruction: negated -> stated"),
    _c("b4-msk-ach-en-1", "musculoskeletal", "en", ACHILLES,
       "Your scan shows that your Achilles tendon, at the back of your ankle, has torn all the way through, "
       "about 5 cm above where it attaches to the heel bone. There is a 3 cm gap between the torn ends, with "
       "some swelling and bruising around it. Your heel bone is not broken."),
    _c("b4-msk-ach-zh-1", "musculoskeletal", "zh", ACHILLES,
       "检查显示您的跟腱完全断裂，位置在跟骨附着点上方约5厘米，断端之间有3厘米的间隙，周围有水肿和血肿。跟骨完好。"),
    _c("b4-msk-ach-en-2", "musculoskeletal", "en", ACHILLES,
       "Partial tear of the Achilles tendon 5 cm above its calcaneal insertion with a 3 cm gap.",
       "complete -> partial"),
    _c("b4-msk-ach-zh-2", "musculoskeletal", "zh", ACHILLES,
       "检查显示您的跟腱完全断裂，断端之间有3厘米的间隙，跟骨也有骨折。",
       "calcaneus: intact -> fractured"),
]

assert len({c.id for c in CASES + BATCH_2 + BATCH_3 + BATCH_4}) == len(CASES) + len(BATCH_2) + len(BATCH_3) + len(BATCH_4)


# ---- batch 5 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1-4, before the guard was run on it; mostly
# clinician-level rewordings (reporting phrases) rather than patient letters
# (``python -m bench.guard_heldout --set dev5``; first run recorded in the README).

GLIOMA = """FINDINGS: A 4.5 cm heterogeneous, peripherally enhancing mass in the right temporal lobe with \
central necrosis and surrounding vasogenic edema. Effacement of the right temporal horn and 5 mm of \
leftward midline shift. No hydrocephalus. No hemorrhage within the mass.
IMPRESSION: 4.5 cm necrotic enhancing right temporal lobe mass, most likely a high-grade glioma, with \
edema and 5 mm midline shift."""

CSPINE = """FINDINGS: Multilevel degenerative disc disease, worst at C5-C6 where a disc osteophyte complex \
causes moderate central canal stenosis and severe left neural foraminal narrowing. No cord signal \
abnormality. Alignment is maintained.
IMPRESSION: C5-C6 disc osteophyte complex with moderate central canal stenosis and severe left foraminal \
narrowing. No myelopathy."""

SARC = """FINDINGS: Bilateral symmetric hilar and mediastinal lymphadenopathy, the largest node 2.2 cm \
in the right paratracheal station. Perilymphatic micronodules in the upper lobes. No consolidation. No \
pleural effusion.
IMPRESSION: Symmetric hilar and mediastinal lymphadenopathy with perilymphatic upper lobe nodules, most \
suggestive of sarcoidosis."""

HEMANGIOMA = """FINDINGS: A 2.7 cm lesion in segment 6 of the liver with peripheral nodular discontinuous \
enhancement on the arterial phase and progressive centripetal fill-in on delayed images. No other liver \
lesion. The portal vein is patent. The spleen is normal in size.
IMPRESSION: 2.7 cm segment 6 hepatic hemangioma. No follow-up imaging is needed for this lesion."""

OVARY = """FINDINGS: A 4.0 cm simple-appearing cyst in the left ovary with a thin wall and no internal \
septations or solid components. The right ovary and uterus are normal. No free fluid.
IMPRESSION: 4.0 cm simple left ovarian cyst, almost certainly benign."""

KNEE_OA = """FINDINGS: Moderate narrowing of the medial tibiofemoral compartment with marginal osteophytes. \
The lateral compartment is preserved. Small joint effusion. No fracture or loose body.
IMPRESSION: Moderate medial compartment osteoarthritis of the right knee."""

DISLOC = """FINDINGS: Anterior dislocation of the left glenohumeral joint. A Hill-Sachs impression on the \
posterolateral humeral head. No fracture of the glenoid. The acromioclavicular joint is intact.
IMPRESSION: Anterior left shoulder dislocation with a Hill-Sachs lesion. No glenoid fracture."""

BATCH_5: list[DevCase] = [
    _c("b5-neuro-gli-en-1", "neuro", "en", GLIOMA,
       "Right temporal lobe mass measuring 4.5 cm, heterogeneous with peripheral enhancement and a "
       "necrotic center, with surrounding vasogenic edema. There is mass effect with effacement of the "
       "right temporal horn and 5 mm leftward midline shift. No hydrocephalus or intratumoral hemorrhage. "
       "Findings favor a high-grade glioma."),
    _c("b5-neuro-gli-en-2", "neuro", "en", GLIOMA,
       "4.5 cm necrotic, peripherally enhancing right temporal mass, probably a high-grade glioma, with "
       "vasogenic edema and 5 mm leftward midline shift. The ventricles are not enlarged."),
    _c("b5-neuro-gli-en-3", "neuro", "en", GLIOMA,
       "4.5 cm necrotic enhancing right temporal lobe mass with hemorrhage, most likely a high-grade "
       "glioma, with edema and 5 mm midline shift.",
       "hemorrhage: negated -> stated"),
    _c("b5-neuro-gli-zh-1", "neuro", "zh", GLIOMA,
       "核磁共振显示您右侧颞叶有一个4.5厘米的肿块，边缘强化，中心坏死，周围有水肿，中线向左移位5毫米，考虑为高级别胶质瘤。"
       "没有脑积水，肿块内没有出血。"),
    _c("b5-neuro-cs-en-1", "neuro", "en", CSPINE,
       "Multilevel cervical degenerative disc disease, most pronounced at C5-C6, where a disc osteophyte "
       "complex results in moderate central canal stenosis and severe left neural foraminal narrowing. "
       "Normal cord signal. Preserved alignment."),
    _c("b5-neuro-cs-en-2", "neuro", "en", CSPINE,
       "C5-C6 disc osteophyte complex with severe central canal stenosis and severe left foraminal "
       "narrowing.",
       "canal stenosis: moderate -> severe"),
    _c("b5-neuro-cs-en-3", "neuro", "en", CSPINE,
       "C5-C6 disc osteophyte complex with moderate central canal stenosis and severe right foraminal "
       "narrowing. No myelopathy.",
       "side: left -> right foramen"),
    _c("b5-neuro-cs-zh-1", "neuro", "zh", CSPINE,
       "核磁共振显示您颈椎多节段椎间盘退变，以颈5-6最明显，椎间盘骨赘复合体导致椎管中度狭窄，左侧椎间孔重度狭窄。脊髓信号正常。"),
    _c("b5-chest-sar-en-1", "chest", "en", SARC,
       "Symmetric bilateral hilar and mediastinal adenopathy, the dominant node measuring 2.2 cm in the "
       "right paratracheal region, with perilymphatic micronodularity in both upper lobes. No airspace "
       "consolidation or pleural effusion. The pattern is most suggestive of sarcoidosis."),
    _c("b5-chest-sar-en-2", "chest", "en", SARC,
       "Bilateral hilar and mediastinal lymphadenopathy, largest 2.2 cm, with perilymphatic nodules in the "
       "lower lobes, suggestive of sarcoidosis.",
       "nodule location: upper -> lower lobes"),
    _c("b5-chest-sar-en-3", "chest", "en", SARC,
       "Symmetric hilar and mediastinal lymphadenopathy with perilymphatic upper lobe nodules and a small "
       "right pleural effusion, suggestive of sarcoidosis.",
       "pleural effusion: negated -> stated"),
    _c("b5-chest-sar-zh-1", "chest", "zh", SARC,
       "CT显示您双侧肺门和纵隔淋巴结对称性肿大，最大的约2.2厘米，两肺上叶有沿淋巴管分布的小结节，最符合结节病。"
       "没有实变，也没有胸腔积液。"),
    _c("b5-abd-hem-en-1", "abdomen", "en", HEMANGIOMA,
       "2.7 cm lesion in hepatic segment 6 demonstrating peripheral, nodular, discontinuous arterial "
       "enhancement with progressive centripetal filling on delayed phases, diagnostic of a hemangioma. No "
       "additional hepatic lesions. Patent portal vein. Normal spleen size. No further imaging is required "
       "for this lesion."),
    _c("b5-abd-hem-en-2", "abdomen", "en", HEMANGIOMA,
       "2.7 cm segment 6 hepatic hemangioma. Several additional small liver lesions are also present.",
       "other liver lesions: negated -> stated"),
    _c("b5-abd-hem-en-3", "abdomen", "en", HEMANGIOMA,
       "2.7 cm segment 6 hepatic hemangioma. Follow-up MRI in 6 months is recommended.",
       "invented recommendation"),
    _c("b5-abd-hem-zh-1", "abdomen", "zh", HEMANGIOMA,
       "CT显示您肝脏第6段有一个2.7厘米的血管瘤，动脉期边缘结节状强化，延迟期逐渐向中心填充。肝脏没有其他病灶，门静脉通畅，"
       "脾脏大小正常。这个病灶不需要复查。"),
    _c("b5-abd-ov-en-1", "abdomen", "en", OVARY,
       "4.0 cm unilocular simple cyst of the left ovary, thin-walled, without septations or solid "
       "components. Normal right ovary and uterus. No free pelvic fluid. Almost certainly benign."),
    _c("b5-abd-ov-en-2", "abdomen", "en", OVARY,
       "4.0 cm left ovarian cyst with a thick septation, almost certainly benign.",
       "descriptor: no septations -> thick septation"),
    _c("b5-abd-ov-zh-1", "abdomen", "zh", OVARY,
       "超声显示您左侧卵巢有一个4.0厘米的单纯性囊肿，壁薄，没有分隔，也没有实性成分，几乎可以肯定是良性的。"
       "右侧卵巢和子宫正常，没有盆腔积液。"),
    _c("b5-abd-ov-zh-2", "abdomen", "zh", OVARY,
       "超声显示您右侧卵巢有一个4.0厘米的单纯性囊肿，几乎可以肯定是良性的。",
       "side: left -> right"),
    _c("b5-msk-oa-en-1", "musculoskeletal", "en", KNEE_OA,
       "Moderate medial tibiofemoral joint space narrowing with marginal osteophytes, consistent with "
       "moderate medial compartment osteoarthritis of the right knee. The lateral compartment is spared. "
       "Small effusion. No fracture or intra-articular loose body."),
    _c("b5-msk-oa-en-2", "musculoskeletal", "en", KNEE_OA,
       "Moderate osteoarthritis of the lateral compartment of the right knee with a small effusion.",
       "compartment: medial -> lateral"),
    _c("b5-msk-oa-zh-1", "musculoskeletal", "zh", KNEE_OA,
       "X光显示您右膝内侧胫股关节间隙中度变窄，有边缘骨赘，符合内侧间室中度骨关节炎。外侧间室正常。关节少量积液。没有骨折或游离体。"),
    _c("b5-msk-oa-zh-2", "musculoskeletal", "zh", KNEE_OA,
       "X光显示您右膝内侧间室有中度骨关节炎，关节里还有一个游离体。",
       "loose body: negated -> stated"),
    _c("b5-msk-dis-en-1", "musculoskeletal", "en", DISLOC,
       "Anterior glenohumeral dislocation of the left shoulder with an associated Hill-Sachs impaction "
       "deformity of the posterolateral humeral head. The glenoid is intact, without a bony Bankart "
       "fracture. Intact AC joint."),
    _c("b5-msk-dis-en-2", "musculoskeletal", "en", DISLOC,
       "Posterior left shoulder dislocation with a Hill-Sachs lesion. No glenoid fracture.",
       "direction: anterior -> posterior"),
    _c("b5-msk-dis-en-3", "musculoskeletal", "en", DISLOC,
       "Anterior left shoulder dislocation with a Hill-Sachs lesion and a fracture of the glenoid rim.",
       "glenoid fracture: negated -> stated"),
    _c("b5-msk-dis-zh-1", "musculoskeletal", "zh", DISLOC,
       "X光显示您左肩关节向前脱位，肱骨头后外侧有压缩性骨缺损（Hill-Sachs损伤）。关节盂没有骨折，肩锁关节完好。"),
    _c("b5-msk-dis-zh-2", "musculoskeletal", "zh", DISLOC,
       "X光显示您右肩关节向前脱位，肱骨头有Hill-Sachs损伤，关节盂没有骨折。",
       "side: left -> right"),
    _c("b5-chest-sar-zh-2", "chest", "zh", SARC,
       "CT显示您双侧肺门和纵隔淋巴结肿大，最大的约3.2厘米，最符合结节病。",
       "node size: 2.2 -> 3.2 cm"),
    _c("b5-abd-hem-zh-2", "abdomen", "zh", HEMANGIOMA,
       "CT显示您肝脏第6段有一个2.7厘米的血管瘤，门静脉里有血栓。",
       "portal vein thrombosis: patent -> thrombus"),
    _c("b5-neuro-gli-zh-2", "neuro", "zh", GLIOMA,
       "核磁共振显示您左侧颞叶有一个4.5厘米的肿块，考虑为高级别胶质瘤，周围有水肿。",
       "side: right -> left"),
]

assert len({c.id for c in CASES + BATCH_2 + BATCH_3 + BATCH_4 + BATCH_5}) == \
    len(CASES) + len(BATCH_2) + len(BATCH_3) + len(BATCH_4) + len(BATCH_5)


# ---- batch 6 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1-5, before the guard was run on it
# (``python -m bench.guard_heldout --set dev6``; first run recorded in the README).

SAH = """FINDINGS: Diffuse subarachnoid hemorrhage in the basal cisterns and both Sylvian fissures, with a \
small amount of intraventricular blood in the occipital horns. A 7 mm saccular aneurysm arises from the \
anterior communicating artery. Mild enlargement of the temporal horns, suggesting early hydrocephalus.
IMPRESSION: Diffuse subarachnoid hemorrhage from a 7 mm anterior communicating artery aneurysm, with \
early hydrocephalus."""

PITUITARY = """FINDINGS: A 1.8 cm sellar and suprasellar mass, consistent with a pituitary macroadenoma, \
abutting but not compressing the optic chiasm. No invasion of the cavernous sinuses. No hemorrhage \
within the lesion.
IMPRESSION: 1.8 cm pituitary macroadenoma abutting the optic chiasm without compression."""

CHOLECYSTITIS = """FINDINGS: The gallbladder is distended with a 4 mm thick wall, pericholecystic fluid \
and an impacted 2 cm stone in the gallbladder neck. Positive sonographic Murphy sign. The common bile \
duct measures 4 mm, which is normal. The liver is unremarkable.
IMPRESSION: Acute calculous cholecystitis."""

CIRRHOSIS = """FINDINGS: Nodular liver contour with hypertrophy of the caudate lobe, in keeping with \
cirrhosis. Moderate ascites. Splenomegaly, the spleen measuring 16 cm. Patent portal vein. No focal \
liver lesion.
IMPRESSION: Cirrhosis with moderate ascites and splenomegaly. No focal liver lesion."""

HIPFX = """FINDINGS: Left hip. Displaced subcapital fracture of the left femoral neck with superior \
migration of the femoral shaft. No dislocation. Mild degenerative change of both hips.
IMPRESSION: Displaced left subcapital femoral neck fracture."""

ACL = """FINDINGS: Complete tear of the anterior cruciate ligament. Bone bruises of the lateral femoral \
condyle and posterolateral tibial plateau. The menisci are intact. The medial collateral ligament is \
intact. Moderate joint effusion.
IMPRESSION: Complete ACL tear with a typical pivot-shift bone bruise pattern. Intact menisci."""

SPONDY = """FINDINGS: Grade 1 anterolisthesis of L4 on L5 due to bilateral L4 pars defects. Moderate \
bilateral foraminal narrowing at L4-L5. No central canal stenosis. The other levels are normal.
IMPRESSION: Grade 1 isthmic spondylolisthesis at L4-L5 with moderate bilateral foraminal narrowing."""

BATCH_6: list[DevCase] = [
    _c("b6-neuro-sah-en-1", "neuro", "en", SAH,
       "Diffuse subarachnoid hemorrhage within the basal cisterns and bilateral Sylvian fissures, with a "
       "small volume of intraventricular blood layering in the occipital horns. A 7 mm saccular aneurysm of "
       "the anterior communicating artery is the likely source. Mildly enlarged temporal horns indicate "
       "early hydrocephalus."),
    _c("b6-neuro-sah-en-2", "neuro", "en", SAH,
       "Diffuse subarachnoid hemorrhage from a 7 mm posterior communicating artery aneurysm, with early "
       "hydrocephalus.",
       "location: anterior -> posterior communicating artery"),
    _c("b6-neuro-sah-zh-1", "neuro", "zh", SAH,
       "CT显示您有弥漫性蛛网膜下腔出血，出血位于基底池和两侧外侧裂，枕角内有少量脑室内积血。前交通动脉有一个7毫米的囊状动脉瘤，"
       "颞角轻度扩大，提示早期脑积水。"),
    _c("b6-neuro-sah-zh-2", "neuro", "zh", SAH,
       "CT显示您有弥漫性蛛网膜下腔出血，前交通动脉有一个7毫米的动脉瘤，没有脑积水。",
       "hydrocephalus: stated -> negated"),
    _c("b6-neuro-pit-en-1", "neuro", "en", PITUITARY,
       "Pituitary macroadenoma measuring 1.8 cm with sellar and suprasellar components. It abuts the optic "
       "chiasm without mass effect on it. The cavernous sinuses are not invaded. No intralesional "
       "hemorrhage."),
    _c("b6-neuro-pit-en-2", "neuro", "en", PITUITARY,
       "1.8 cm pituitary macroadenoma compressing the optic chiasm.",
       "chiasm compression: negated -> stated"),
    _c("b6-neuro-pit-en-3", "neuro", "en", PITUITARY,
       "1.8 cm pituitary macroadenoma abutting the optic chiasm, with invasion of the right cavernous "
       "sinus.",
       "cavernous sinus invasion: negated -> stated"),
    _c("b6-neuro-pit-zh-1", "neuro", "zh", PITUITARY,
       "核磁共振显示您鞍区及鞍上有一个1.8厘米的肿块，符合垂体大腺瘤，紧贴视交叉但没有压迫。海绵窦没有受侵犯，病灶内没有出血。"),
    _c("b6-abd-chol-en-1", "abdomen", "en", CHOLECYSTITIS,
       "Distended gallbladder with wall thickening to 4 mm, pericholecystic fluid and a 2 cm stone impacted "
       "in the gallbladder neck, with a positive sonographic Murphy sign, consistent with acute calculous "
       "cholecystitis. Normal-calibre common bile duct at 4 mm. Unremarkable liver."),
    _c("b6-abd-chol-en-2", "abdomen", "en", CHOLECYSTITIS,
       "Acute calculous cholecystitis with a 2 cm stone impacted in the gallbladder neck. The common bile "
       "duct is dilated at 4 mm.",
       "CBD: normal -> dilated"),
    _c("b6-abd-chol-zh-1", "abdomen", "zh", CHOLECYSTITIS,
       "超声显示您得了急性结石性胆囊炎：胆囊胀大，胆囊壁增厚约4毫米，胆囊周围有积液，胆囊颈部嵌顿一颗2厘米的结石。"
       "胆总管4毫米，正常。肝脏正常。"),
    _c("b6-abd-chol-zh-2", "abdomen", "zh", CHOLECYSTITIS,
       "超声显示您得了急性结石性胆囊炎，胆囊颈部有一颗2厘米的结石，胆囊已经穿孔。",
       "invented finding: perforation"),
    _c("b6-abd-cir-en-1", "abdomen", "en", CIRRHOSIS,
       "Cirrhotic liver morphology with a nodular contour and caudate lobe hypertrophy. Moderate volume "
       "ascites. Splenomegaly to 16 cm. The portal vein is patent. No focal hepatic lesion."),
    _c("b6-abd-cir-en-2", "abdomen", "en", CIRRHOSIS,
       "Cirrhosis with large-volume ascites and splenomegaly. No focal liver lesion.",
       "ascites severity: moderate -> large"),
    _c("b6-abd-cir-en-3", "abdomen", "en", CIRRHOSIS,
       "Cirrhosis with moderate ascites and splenomegaly. Thrombus in the portal vein.",
       "portal vein: patent -> thrombus"),
    _c("b6-abd-cir-zh-1", "abdomen", "zh", CIRRHOSIS,
       "CT显示您有肝硬化，肝脏表面呈结节状，尾状叶增大。腹腔有中量积液，脾脏肿大，长约16厘米。门静脉通畅，肝内没有发现局灶性病变。"),
    _c("b6-msk-hip-en-1", "musculoskeletal", "en", HIPFX,
       "Displaced subcapital fracture of the left femoral neck, with the femoral shaft migrated superiorly. "
       "The hip is not dislocated. Mild bilateral degenerative changes of the hips."),
    _c("b6-msk-hip-en-2", "musculoskeletal", "en", HIPFX,
       "Non-displaced left subcapital femoral neck fracture.",
       "displaced -> non-displaced"),
    _c("b6-msk-hip-zh-1", "musculoskeletal", "zh", HIPFX,
       "X光显示您左侧股骨颈头下型骨折，有移位，股骨干向上移。髋关节没有脱位。两侧髋关节有轻度退行性改变。"),
    _c("b6-msk-hip-zh-2", "musculoskeletal", "zh", HIPFX,
       "X光显示您右侧股骨颈骨折，有移位。",
       "side: left -> right"),
    _c("b6-msk-acl-en-1", "musculoskeletal", "en", ACL,
       "Complete ACL rupture with bone bruising of the lateral femoral condyle and the posterolateral "
       "tibial plateau, the typical pivot-shift pattern. Both menisci and the MCL are intact. Moderate "
       "effusion."),
    _c("b6-msk-acl-en-2", "musculoskeletal", "en", ACL,
       "Complete ACL tear with a pivot-shift bone bruise pattern and a tear of the medial meniscus.",
       "meniscus: intact -> torn"),
    _c("b6-msk-acl-en-3", "musculoskeletal", "en", ACL,
       "Partial ACL tear with a pivot-shift bone bruise pattern. Intact menisci.",
       "complete -> partial"),
    _c("b6-msk-acl-zh-1", "musculoskeletal", "zh", ACL,
       "核磁共振显示您前交叉韧带完全撕裂，股骨外侧髁和胫骨平台后外侧有骨挫伤。半月板完好，内侧副韧带完好。关节有中等量积液。"),
    _c("b6-msk-sp-en-1", "musculoskeletal", "en", SPONDY,
       "Grade 1 isthmic anterolisthesis of L4 on L5, secondary to bilateral L4 pars interarticularis "
       "defects, with moderate bilateral neural foraminal narrowing at L4-L5. The central canal is patent. "
       "The remaining levels are unremarkable."),
    _c("b6-msk-sp-en-2", "musculoskeletal", "en", SPONDY,
       "Grade 2 isthmic spondylolisthesis at L4-L5 with moderate bilateral foraminal narrowing.",
       "grade 1 -> grade 2"),
    _c("b6-msk-sp-zh-1", "musculoskeletal", "zh", SPONDY,
       "核磁共振显示您腰4椎体相对腰5向前滑脱1度，原因是双侧腰4峡部裂。腰4-5双侧椎间孔中度狭窄，椎管没有狭窄。其他节段正常。"),
    _c("b6-msk-sp-zh-2", "musculoskeletal", "zh", SPONDY,
       "核磁共振显示您腰4椎体向前滑脱，腰4-5椎管重度狭窄。",
       "central canal stenosis: negated -> severe"),
    _c("b6-chest-sah-en-3", "neuro", "en", SAH,
       "Diffuse subarachnoid hemorrhage from a 9 mm anterior communicating artery aneurysm.",
       "size: 7 -> 9 mm"),
    _c("b6-abd-cir-zh-2", "abdomen", "zh", CIRRHOSIS,
       "CT显示您有肝硬化，腹腔有中量积液，脾脏肿大。肝内有一个肿块。",
       "focal liver lesion: negated -> stated"),
    _c("b6-msk-acl-zh-2", "musculoskeletal", "zh", ACL,
       "核磁共振显示您前交叉韧带完全撕裂，内侧副韧带也有撕裂。",
       "MCL: intact -> torn"),
    _c("b6-neuro-pit-zh-2", "neuro", "zh", PITUITARY,
       "核磁共振显示您有一个2.8厘米的垂体大腺瘤，没有压迫视交叉。",
       "size: 1.8 -> 2.8 cm"),
]

assert len({c.id for c in BATCH_6}) == len(BATCH_6)


# ---- batch 7 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1-6, before the guard was run on it
# (``python -m bench.guard_heldout --set dev7``; first run recorded in the README).

EDH = """FINDINGS: Biconvex extra-axial hyperdense collection over the right temporal convexity measuring \
1.4 cm in thickness, consistent with an acute epidural hematoma, with an overlying non-displaced right \
temporal bone fracture. 6 mm leftward midline shift. The basal cisterns are preserved.
IMPRESSION: Acute 1.4 cm right temporal epidural hematoma with an underlying skull fracture and 6 mm \
midline shift."""

BRONCHIECT = """FINDINGS: Cylindrical bronchiectasis in the right middle lobe and lingula with bronchial \
wall thickening and mucus plugging. Scattered tree-in-bud nodules in the right middle lobe. No cavitation. \
No lymphadenopathy.
IMPRESSION: Middle lobe and lingular bronchiectasis with mucus plugging and tree-in-bud nodules, \
suggesting chronic airway infection."""

SPLEEN = """FINDINGS: Grade 3 splenic laceration measuring 4 cm in depth, with a moderate perisplenic \
hematoma. No active contrast extravasation. The liver, kidneys and pancreas are intact. Small amount of \
free fluid in the pelvis.
IMPRESSION: Grade 3 splenic laceration with moderate perisplenic hematoma, without active bleeding."""

RENAL_STONES = """FINDINGS: Two non-obstructing calculi in the left kidney, measuring 3 mm and 5 mm, in the \
lower pole. No hydronephrosis. The right kidney is normal. The ureters and bladder are normal.
IMPRESSION: Two small non-obstructing left lower pole renal calculi."""

ELBOW = """FINDINGS: Left elbow. Elevated anterior and posterior fat pads indicating a joint effusion. No \
visible fracture line. Normal alignment of the radiocapitellar joint.
IMPRESSION: Elbow joint effusion without visible fracture; an occult radial head fracture is possible."""

PLANTAR = """FINDINGS: Thickening of the proximal plantar fascia to 7 mm at its calcaneal origin with \
surrounding soft tissue edema, in keeping with plantar fasciitis. No plantar fascia tear. No calcaneal \
stress fracture.
IMPRESSION: Plantar fasciitis without tear or stress fracture."""

BATCH_7: list[DevCase] = [
    _c("b7-neuro-edh-en-1", "neuro", "en", EDH,
       "There is an acute epidural hematoma over the right temporal convexity, biconvex and hyperdense, "
       "measuring 1.4 cm in thickness. A non-displaced fracture of the right temporal bone lies over it. "
       "The midline is shifted 6 mm to the left. The basal cisterns remain open."),
    _c("b7-neuro-edh-en-2", "neuro", "en", EDH,
       "Your scan shows a collection of blood between the skull and the covering of the brain on the right "
       "side, 1.4 cm thick, with a crack in the skull bone over it. The brain has been pushed 6 mm to the "
       "left. You will be looked after by the specialist team."),
    _c("b7-neuro-edh-zh-1", "neuro", "zh", EDH,
       "CT显示您右侧颞部有急性硬膜外血肿，厚约1.4厘米，上方的右侧颞骨有骨折，没有移位。中线向左移位6毫米。基底池正常。"),
    _c("b7-neuro-edh-en-3", "neuro", "en", EDH,
       "Acute 1.4 cm right temporal subdural hematoma with an underlying skull fracture and 6 mm midline "
       "shift.",
       "epidural -> subdural"),
    _c("b7-neuro-edh-zh-2", "neuro", "zh", EDH,
       "CT显示您右侧颞部有急性硬膜外血肿，厚约1.4厘米，颞骨骨折有明显移位。",
       "fracture: non-displaced -> displaced"),
    _c("b7-chest-br-en-1", "chest", "en", BRONCHIECT,
       "Cylindrical bronchiectasis of the right middle lobe and the lingula, with thickened bronchial walls "
       "and mucus plugs, plus scattered tree-in-bud nodularity in the middle lobe. No cavities. No enlarged "
       "lymph nodes. The appearances suggest a chronic airway infection."),
    _c("b7-chest-br-en-2", "chest", "en", BRONCHIECT,
       "The scan shows that some of the airways in the middle part of your right lung and in a part of your "
       "left lung are widened and have thick walls, with mucus blocking some of them. This is called "
       "bronchiectasis and suggests a long-standing infection of the airways."),
    _c("b7-chest-br-zh-1", "chest", "zh", BRONCHIECT,
       "CT显示您右肺中叶和左肺舌段有柱状支气管扩张，支气管壁增厚，有黏液栓，右肺中叶有散在树芽征小结节，提示慢性气道感染。"
       "没有空洞，淋巴结不大。"),
    _c("b7-chest-br-en-3", "chest", "en", BRONCHIECT,
       "Middle lobe and lingular bronchiectasis with mucus plugging and a cavitating nodule.",
       "cavitation: negated -> stated"),
    _c("b7-chest-br-zh-2", "chest", "zh", BRONCHIECT,
       "CT显示您右肺下叶和左肺舌段有支气管扩张，有黏液栓。",
       "location: middle lobe -> lower lobe"),
    _c("b7-abd-spl-en-1", "abdomen", "en", SPLEEN,
       "Grade 3 laceration of the spleen, 4 cm deep, with a moderate perisplenic hematoma and no active "
       "extravasation of contrast. The liver, kidneys and pancreas are uninjured. A small amount of free "
       "pelvic fluid."),
    _c("b7-abd-spl-en-2", "abdomen", "en", SPLEEN,
       "Your scan shows a tear in your spleen that is 4 cm deep, with a moderate collection of blood around "
       "it. There is no sign of ongoing bleeding. Your liver, kidneys and pancreas are not injured."),
    _c("b7-abd-spl-zh-1", "abdomen", "zh", SPLEEN,
       "CT显示您脾脏有3级撕裂伤，深约4厘米，脾周有中等量血肿，没有活动性出血。肝脏、肾脏和胰腺没有受伤。盆腔有少量积液。"),
    _c("b7-abd-spl-en-3", "abdomen", "en", SPLEEN,
       "Grade 3 splenic laceration with a moderate perisplenic hematoma and active contrast extravasation.",
       "active bleeding: negated -> stated"),
    _c("b7-abd-spl-en-4", "abdomen", "en", SPLEEN,
       "Grade 3 splenic laceration with a moderate perisplenic hematoma and a liver laceration.",
       "liver: intact -> lacerated"),
    _c("b7-abd-stn-en-1", "abdomen", "en", RENAL_STONES,
       "Two small stones in the lower part of your left kidney, 3 mm and 5 mm in size. They are not "
       "blocking the flow of urine. Your right kidney, the tubes from the kidneys and the bladder are "
       "normal."),
    _c("b7-abd-stn-zh-1", "abdomen", "zh", RENAL_STONES,
       "CT显示您左肾下极有两颗结石，分别为3毫米和5毫米，没有造成梗阻，没有肾积水。右肾、输尿管和膀胱正常。"),
    _c("b7-abd-stn-en-2", "abdomen", "en", RENAL_STONES,
       "Two non-obstructing calculi in the upper pole of the left kidney, measuring 3 mm and 5 mm.",
       "location: lower -> upper pole"),
    _c("b7-abd-stn-zh-2", "abdomen", "zh", RENAL_STONES,
       "CT显示您左肾下极有两颗结石，其中一颗堵住了输尿管，引起肾积水。",
       "obstruction and hydronephrosis: negated -> stated"),
    _c("b7-msk-elb-en-1", "musculoskeletal", "en", ELBOW,
       "Left elbow joint effusion, with elevation of both the anterior and posterior fat pads. No fracture "
       "line is seen, although an occult radial head fracture cannot be excluded. The radiocapitellar "
       "alignment is normal."),
    _c("b7-msk-elb-en-2", "musculoskeletal", "en", ELBOW,
       "The X-ray of your left elbow shows fluid in the joint. No broken bone can be seen, but a small "
       "hidden break at the top of one of the forearm bones is possible."),
    _c("b7-msk-elb-zh-1", "musculoskeletal", "zh", ELBOW,
       "X光显示您左肘关节前后脂肪垫抬高，提示关节积液。没有看到明确的骨折线，但不能排除隐匿性桡骨头骨折。桡骨小头对位正常。"),
    _c("b7-msk-elb-en-3", "musculoskeletal", "en", ELBOW,
       "Left elbow joint effusion with a displaced radial head fracture.",
       "fracture: possible occult -> displaced"),
    _c("b7-msk-plf-en-1", "musculoskeletal", "en", PLANTAR,
       "Proximal plantar fascia thickened to 7 mm at the calcaneal origin with adjacent soft tissue edema, "
       "consistent with plantar fasciitis. The fascia is not torn and there is no calcaneal stress "
       "fracture."),
    _c("b7-msk-plf-en-2", "musculoskeletal", "en", PLANTAR,
       "The thick band of tissue under your foot is swollen and thickened to 7 mm where it attaches to your "
       "heel bone. This is plantar fasciitis, a common cause of heel pain. It is not torn and your heel bone "
       "is not broken."),
    _c("b7-msk-plf-zh-1", "musculoskeletal", "zh", PLANTAR,
       "核磁共振显示您足底筋膜近端在跟骨起点处增厚到7毫米，周围软组织水肿，符合足底筋膜炎。筋膜没有撕裂，跟骨没有应力性骨折。"),
    _c("b7-msk-plf-en-3", "musculoskeletal", "en", PLANTAR,
       "Plantar fasciitis with a partial tear of the plantar fascia.",
       "tear: negated -> stated"),
    _c("b7-msk-plf-zh-2", "musculoskeletal", "zh", PLANTAR,
       "核磁共振显示您足底筋膜增厚到7毫米，符合足底筋膜炎，跟骨有应力性骨折。",
       "stress fracture: negated -> stated"),
    _c("b7-neuro-edh-en-4", "neuro", "en", EDH,
       "Acute right temporal epidural hematoma, 2.4 cm thick, with a skull fracture and 6 mm midline "
       "shift.",
       "thickness 1.4 -> 2.4 cm"),
    _c("b7-chest-br-en-4", "chest", "en", BRONCHIECT,
       "Bronchiectasis in the right middle lobe and lingula with mucus plugging and enlarged mediastinal "
       "lymph nodes.",
       "lymphadenopathy: negated -> stated"),
    _c("b7-abd-spl-zh-2", "abdomen", "zh", SPLEEN,
       "CT显示您脾脏有撕裂伤，脾周有大量血肿。",
       "hematoma: moderate -> large"),
    _c("b7-msk-elb-zh-2", "musculoskeletal", "zh", ELBOW,
       "X光显示您右肘关节积液，没有看到骨折线。",
       "side: left -> right"),
]

assert len({c.id for c in BATCH_7}) == len(BATCH_7)


# ---- batch 8 --------------------------------------------------------------------------------------
# Written after the guard had been improved on batches 1-7, before the guard was run on it; English
# report rewordings in the main (``python -m bench.guard_heldout --set dev8``; first run in the README).

CAROTID = """FINDINGS: Mixed calcified and non-calcified plaque at the right carotid bifurcation causing 70% \
stenosis of the proximal right internal carotid artery. The left internal carotid artery has less than \
30% stenosis. Both vertebral arteries are patent with antegrade flow.
IMPRESSION: 70% stenosis of the right internal carotid artery. Mild left internal carotid stenosis."""

PTX_SMALL = """FINDINGS: Small left apical pneumothorax measuring 1.5 cm from the chest wall. No mediastinal \
shift. The right lung is clear. No pleural effusion. The left chest drain tip lies in the left apex.
IMPRESSION: Small left apical pneumothorax with a chest drain in place."""

COLITIS = """FINDINGS: Circumferential wall thickening of the descending and sigmoid colon over 20 cm with \
pericolic fat stranding. The rectum is spared. No abscess. No free air. No lymphadenopathy.
IMPRESSION: Colitis of the descending and sigmoid colon, infectious or inflammatory. No complication."""

ADRENAL = """FINDINGS: A 1.6 cm well-circumscribed left adrenal nodule measuring -5 HU on the unenhanced \
images, consistent with a lipid-rich adenoma. The right adrenal gland is normal.
IMPRESSION: 1.6 cm left adrenal adenoma. No further imaging is required."""

MENISCUS_BUCKET = """FINDINGS: Bucket-handle tear of the medial meniscus with the displaced fragment in the \
intercondylar notch. The cruciate and collateral ligaments are intact. Small joint effusion. No fracture.
IMPRESSION: Displaced bucket-handle tear of the medial meniscus."""

CLAVICLE = """FINDINGS: Right clavicle. Comminuted fracture of the midshaft of the right clavicle with \
1 cm of shortening and inferior displacement of the distal fragment. The acromioclavicular joint is \
intact. No pneumothorax.
IMPRESSION: Comminuted, displaced midshaft right clavicle fracture."""

BATCH_8: list[DevCase] = [
    _c("b8-neuro-car-en-1", "neuro", "en", CAROTID,
       "Mixed calcified and soft plaque at the right carotid bifurcation produces a 70% stenosis of the "
       "proximal right ICA. Less than 30% stenosis of the left ICA. The vertebral arteries are patent "
       "bilaterally with normal antegrade flow."),
    _c("b8-neuro-car-en-2", "neuro", "en", CAROTID,
       "70% stenosis of the left internal carotid artery. Mild right internal carotid stenosis.",
       "sides swapped"),
    _c("b8-neuro-car-en-3", "neuro", "en", CAROTID,
       "70% stenosis of the right internal carotid artery. Occlusion of the left vertebral artery.",
       "vertebral artery: patent -> occluded"),
    _c("b8-neuro-car-zh-1", "neuro", "zh", CAROTID,
       "检查显示您右侧颈动脉分叉处有混合斑块，导致右侧颈内动脉近段狭窄70%。左侧颈内动脉狭窄小于30%。两侧椎动脉通畅。"),
    _c("b8-chest-ptx-en-1", "chest", "en", PTX_SMALL,
       "Small left apical pneumothorax, 1.5 cm from the chest wall, with the left chest drain tip in the "
       "apex. No mediastinal shift. Clear right lung. No pleural effusion."),
    _c("b8-chest-ptx-en-2", "chest", "en", PTX_SMALL,
       "Small left apical pneumothorax measuring 1.5 cm with mediastinal shift to the right.",
       "mediastinal shift: negated -> stated"),
    _c("b8-chest-ptx-en-3", "chest", "en", PTX_SMALL,
       "Small left apical pneumothorax measuring 1.5 cm. The chest drain tip is in the right apex.",
       "drain side: left -> right"),
    _c("b8-chest-ptx-zh-1", "chest", "zh", PTX_SMALL,
       "X光显示您左肺尖有少量气胸，距胸壁1.5厘米，左侧胸腔引流管尖端位于左肺尖。纵隔没有移位，右肺清晰，没有胸腔积液。"),
    _c("b8-abd-col-en-1", "abdomen", "en", COLITIS,
       "Circumferential mural thickening of the descending and sigmoid colon over a 20 cm segment, with "
       "pericolic stranding, sparing the rectum. No abscess, pneumoperitoneum or lymphadenopathy. The "
       "appearances are those of an infectious or inflammatory colitis without complication."),
    _c("b8-abd-col-en-2", "abdomen", "en", COLITIS,
       "Colitis of the descending and sigmoid colon extending into the rectum.",
       "rectum: spared -> involved"),
    _c("b8-abd-col-en-3", "abdomen", "en", COLITIS,
       "Colitis of the descending and sigmoid colon with a small pericolic abscess.",
       "abscess: negated -> stated"),
    _c("b8-abd-col-zh-1", "abdomen", "zh", COLITIS,
       "CT显示您降结肠和乙状结肠有约20厘米长的肠壁环周增厚，周围脂肪有渗出，直肠未受累。没有脓肿，没有游离气体，淋巴结不大。"
       "考虑为感染性或炎症性结肠炎，没有并发症。"),
    _c("b8-abd-adr-en-1", "abdomen", "en", ADRENAL,
       "Well-circumscribed 1.6 cm left adrenal nodule with an attenuation of -5 HU on non-contrast images, "
       "diagnostic of a lipid-rich adenoma. Normal right adrenal gland. No further imaging is needed."),
    _c("b8-abd-adr-en-2", "abdomen", "en", ADRENAL,
       "1.6 cm right adrenal adenoma. No further imaging is required.",
       "side: left -> right"),
    _c("b8-abd-adr-en-3", "abdomen", "en", ADRENAL,
       "1.6 cm left adrenal nodule, indeterminate; further characterisation with adrenal washout CT is "
       "recommended.",
       "descriptor + invented recommendation"),
    _c("b8-abd-adr-zh-1", "abdomen", "zh", ADRENAL,
       "CT显示您左侧肾上腺有一个1.6厘米、边界清楚的结节，平扫CT值约-5 HU，符合富脂腺瘤。右侧肾上腺正常。不需要进一步检查。"),
    _c("b8-msk-men-en-1", "musculoskeletal", "en", MENISCUS_BUCKET,
       "Displaced bucket-handle tear of the medial meniscus, with the fragment flipped into the "
       "intercondylar notch. Intact cruciate and collateral ligaments. Small effusion. No fracture."),
    _c("b8-msk-men-en-2", "musculoskeletal", "en", MENISCUS_BUCKET,
       "Displaced bucket-handle tear of the lateral meniscus.",
       "medial -> lateral"),
    _c("b8-msk-men-en-3", "musculoskeletal", "en", MENISCUS_BUCKET,
       "Displaced bucket-handle tear of the medial meniscus with a large joint effusion.",
       "effusion: small -> large"),
    _c("b8-msk-men-zh-1", "musculoskeletal", "zh", MENISCUS_BUCKET,
       "核磁共振显示您内侧半月板桶柄样撕裂，撕裂的碎片移位到髁间窝。交叉韧带和副韧带完好。关节少量积液，没有骨折。"),
    _c("b8-msk-cla-en-1", "musculoskeletal", "en", CLAVICLE,
       "Comminuted midshaft fracture of the right clavicle with 1 cm of shortening and inferior "
       "displacement of the distal fragment. The AC joint is intact. No pneumothorax."),
    _c("b8-msk-cla-en-2", "musculoskeletal", "en", CLAVICLE,
       "Comminuted midshaft right clavicle fracture with 1 cm of shortening and superior displacement of "
       "the distal fragment.",
       "displacement direction: inferior -> superior"),
    _c("b8-msk-cla-en-3", "musculoskeletal", "en", CLAVICLE,
       "Comminuted, displaced midshaft right clavicle fracture with a small right pneumothorax.",
       "pneumothorax: negated -> stated"),
    _c("b8-msk-cla-zh-1", "musculoskeletal", "zh", CLAVICLE,
       "X光显示您右侧锁骨中段粉碎性骨折，短缩1厘米，远端骨折块向下移位。肩锁关节完好，没有气胸。"),
]

assert len({c.id for c in BATCH_8}) == len(BATCH_8)


# ---- batch 9 (branch guard3) ----------------------------------------------------------------------
# Written from clinical knowledge before the guard was run on it, on topics and in phrasings no
# earlier batch uses: 8 reports (2 per domain), each with 3 English + 1 Chinese faithful texts and
# 3 English + 1 Chinese planted ones (``python -m bench.guard_heldout --set dev9``; first run in the README).

SCHWANNOMA = """FINDINGS: A 1.4 cm enhancing mass in the right internal auditory canal extending into the \
cerebellopontine angle cistern, consistent with a vestibular schwannoma. It abuts but does not compress the \
brainstem. No hydrocephalus. The left internal auditory canal is normal. No other intracranial mass. Mild \
age-related white matter changes.
IMPRESSION: 1.4 cm right vestibular schwannoma extending into the cerebellopontine angle without brainstem \
compression."""

PCA_INFARCT = """FINDINGS: Acute infarct in the left occipital lobe in the territory of the left posterior \
cerebral artery, with restricted diffusion. No hemorrhagic transformation. A chronic lacunar infarct in the \
right thalamus. Moderate generalized volume loss. No mass or midline shift. The major intracranial flow \
voids are preserved.
IMPRESSION: 1. Acute left PCA territory infarct involving the occipital lobe, without hemorrhage. 2. Old \
right thalamic lacunar infarct."""

DISSECTION = """FINDINGS: Stanford type B aortic dissection with the intimal flap beginning just distal to \
the left subclavian artery and extending to the level of the renal arteries. The false lumen is partially \
thrombosed. The ascending aorta is not involved and measures 3.6 cm. The celiac, superior mesenteric and \
both renal arteries arise from the true lumen. No pericardial effusion. No mediastinal hematoma. Small left \
pleural effusion.
IMPRESSION: Type B aortic dissection from the left subclavian artery to the renal arteries, with all \
visceral branches supplied by the true lumen. No rupture."""

ILD = """FINDINGS: Bilateral subpleural reticulation with traction bronchiectasis and honeycombing, most \
severe at the lung bases. No ground-glass opacity. No consolidation. Mildly enlarged mediastinal lymph \
nodes, the largest 1.3 cm in the subcarinal station, likely reactive. The main pulmonary artery measures \
2.8 cm. No pleural effusion.
IMPRESSION: Fibrotic interstitial lung disease in a usual interstitial pneumonia (UIP) pattern, basal \
predominant. Mild reactive mediastinal lymphadenopathy."""

IPMN = """FINDINGS: A 1.8 cm unilocular cystic lesion in the pancreatic tail communicating with a side \
branch duct, without enhancing solid component or mural nodule. The main pancreatic duct is not dilated, \
measuring 2 mm. The liver, spleen, adrenal glands and kidneys are unremarkable. No lymphadenopathy.
IMPRESSION: 1.8 cm pancreatic tail cyst, most likely a side-branch IPMN, without worrisome features. \
Follow-up MRI in 12 months is recommended."""

PYELO = """FINDINGS: The right kidney is enlarged with wedge-shaped areas of decreased enhancement in the \
upper and interpolar regions and perinephric fat stranding. No renal or perinephric abscess. No \
hydronephrosis. No renal or ureteric calculi. The left kidney is normal. The urinary bladder is \
unremarkable. Small amount of free fluid in the right paracolic gutter.
IMPRESSION: Acute right pyelonephritis without abscess or obstruction."""

ATFL = """FINDINGS: Right ankle MRI. Complete tear of the anterior talofibular ligament. The \
calcaneofibular ligament is thickened but intact, consistent with a sprain. The deltoid ligament is \
intact. Bone bruise in the medial talar dome. No osteochondral lesion. The peroneal and Achilles tendons \
are normal. Small tibiotalar joint effusion.
IMPRESSION: 1. Complete tear of the anterior talofibular ligament. 2. Sprain of the calcaneofibular \
ligament. 3. Medial talar dome bone bruise without osteochondral lesion."""

BOXER = """FINDINGS: Right hand, three views. Transverse fracture of the neck of the fifth metacarpal with \
35 degrees of volar angulation of the distal fragment. No intra-articular extension. No rotational \
deformity is evident. The other metacarpals and the phalanges are intact. No dislocation. Dorsal soft \
tissue swelling.
IMPRESSION: Angulated fracture of the fifth metacarpal neck (boxer's fracture), extra-articular."""

BATCH_9: list[DevCase] = [
    # ---- neuro: vestibular schwannoma -------------------------------------------------------------
    _c("b9-neuro-vs-en-1", "neuro", "en", SCHWANNOMA,
       "Right vestibular schwannoma measuring 1.4 cm, arising in the internal auditory canal and extending "
       "into the cerebellopontine angle cistern. The lesion contacts the brainstem without compressing it. "
       "Normal left internal auditory canal. No hydrocephalus or additional intracranial mass. Mild white "
       "matter changes in keeping with age."),
    _c("b9-neuro-vs-en-2", "neuro", "en", SCHWANNOMA,
       "Your MRI shows a small growth on the balance nerve on the right side, called a vestibular "
       "schwannoma. It is about 1.4 cm and reaches the space beside the brainstem, but it is not pressing "
       "on the brainstem. There is no build-up of fluid in the brain. The nerve channel on the left looks "
       "normal. Your specialist will talk to you about the options."),
    _c("b9-neuro-vs-en-3", "neuro", "en", SCHWANNOMA,
       "Good news first: the scan found no other growths in the head and no extra fluid. What it did find "
       "is a 1.4 cm lump on the right hearing and balance nerve (a vestibular schwannoma). It touches the "
       "brainstem but does not squeeze it. There are also some mild changes in the white matter that are "
       "usual for your age."),
    _c("b9-neuro-vs-zh-1", "neuro", "zh", SCHWANNOMA,
       "核磁共振显示您右侧内听道有一个1.4厘米的强化肿块，延伸到桥小脑角，考虑是前庭神经鞘瘤。肿块贴着脑干，"
       "但没有压迫脑干。没有脑积水，左侧内听道正常。脑白质有轻度的老年性改变。"),
    _c("b9-neuro-vs-en-4", "neuro", "en", SCHWANNOMA,
       "1.4 cm right vestibular schwannoma extending into the cerebellopontine angle with compression of "
       "the brainstem.",
       "brainstem compression: negated -> stated"),
    _c("b9-neuro-vs-en-5", "neuro", "en", SCHWANNOMA,
       "Your MRI shows a 1.4 cm growth on the balance nerve on the left side, reaching the space next to "
       "the brainstem but not pressing on it.",
       "side: right -> left"),
    _c("b9-neuro-vs-en-6", "neuro", "en", SCHWANNOMA,
       "1.4 cm right vestibular schwannoma extending into the cerebellopontine angle without brainstem "
       "compression. Severe white matter changes.",
       "white matter severity: mild -> severe"),
    _c("b9-neuro-vs-zh-2", "neuro", "zh", SCHWANNOMA,
       "核磁共振显示您右侧内听道有一个1.4厘米的前庭神经鞘瘤，没有压迫脑干，但有轻度脑积水。",
       "hydrocephalus: negated -> stated"),
    # ---- neuro: posterior cerebral artery infarct -------------------------------------------------
    _c("b9-neuro-pca-en-1", "neuro", "en", PCA_INFARCT,
       "Acute left occipital infarct within the posterior cerebral artery territory, showing diffusion "
       "restriction, with no hemorrhagic conversion. Chronic right thalamic lacune. Moderate diffuse "
       "cerebral volume loss. No mass lesion or midline shift; normal intracranial flow voids."),
    _c("b9-neuro-pca-en-2", "neuro", "en", PCA_INFARCT,
       "The scan shows a recent stroke at the back of the brain on the left side, in the area supplied by "
       "the left posterior cerebral artery. There is no bleeding into the stroke. There is also an old, "
       "small stroke deep in the right side of the brain, in an area called the thalamus. The brain has "
       "shrunk a moderate amount. There is no tumour."),
    _c("b9-neuro-pca-en-3", "neuro", "en", PCA_INFARCT,
       "Your MRI confirms a new stroke in the left occipital lobe, the part of the brain that handles "
       "vision. It has not bled. An old tiny stroke is seen on the right, in the thalamus. Your stroke team "
       "will discuss the results with you."),
    _c("b9-neuro-pca-zh-1", "neuro", "zh", PCA_INFARCT,
       "核磁共振显示您左侧枕叶有急性脑梗死，位于左侧大脑后动脉供血区，没有出血转化。右侧丘脑有一个陈旧性腔隙性"
       "脑梗死。脑萎缩为中度。没有肿块，中线没有移位。"),
    _c("b9-neuro-pca-en-4", "neuro", "en", PCA_INFARCT,
       "1. Acute left PCA territory infarct involving the occipital lobe, with hemorrhagic transformation. "
       "2. Old right thalamic lacunar infarct.",
       "hemorrhagic transformation: negated -> stated"),
    _c("b9-neuro-pca-en-5", "neuro", "en", PCA_INFARCT,
       "Acute infarct in the left occipital lobe without hemorrhage. Old left thalamic lacunar infarct.",
       "thalamic infarct side: right -> left"),
    _c("b9-neuro-pca-en-6", "neuro", "en", PCA_INFARCT,
       "The scan shows a recent stroke at the back of the brain on the left, with no bleeding. There is "
       "also an old small stroke deep in the right side of the brain. The brain has shrunk a lot.",
       "volume loss: moderate -> severe"),
    _c("b9-neuro-pca-zh-2", "neuro", "zh", PCA_INFARCT,
       "核磁共振显示您左侧枕叶有急性脑梗死，没有出血。右侧丘脑有陈旧性腔隙性脑梗死。另外左侧额叶还有一个小的脑膜瘤。",
       "invented finding: meningioma"),
    # ---- chest: type B aortic dissection ----------------------------------------------------------
    _c("b9-chest-dis-en-1", "chest", "en", DISSECTION,
       "Stanford B dissection of the aorta: the intimal flap starts immediately beyond the origin of the "
       "left subclavian artery and runs down to the renal artery level. Partial thrombosis of the false "
       "lumen. The ascending aorta is spared, 3.6 cm. Celiac axis, SMA and both renal arteries arise from "
       "the true lumen. No pericardial effusion or mediastinal hematoma. Small left pleural effusion."),
    _c("b9-chest-dis-en-2", "chest", "en", DISSECTION,
       "The scan shows a tear in the inner lining of the main blood vessel of your body, the aorta. This is "
       "called a type B aortic dissection. It starts just past the artery to your left arm and runs down to "
       "the level of the arteries to your kidneys. The first part of the aorta, near the heart, is not "
       "affected. The arteries to your gut and kidneys are getting blood normally. There is no sign that "
       "the aorta has burst. There is a small amount of fluid next to the left lung."),
    _c("b9-chest-dis-en-3", "chest", "en", DISSECTION,
       "You have a type B aortic dissection, a split in the wall of the aorta in your chest and upper "
       "belly. The part of the aorta closest to the heart is fine. There is no fluid around the heart and "
       "no bleeding around the aorta. Your vascular team will explain the next steps."),
    _c("b9-chest-dis-zh-1", "chest", "zh", DISSECTION,
       "CT显示您有B型主动脉夹层，内膜片从左锁骨下动脉远端开始，一直延伸到肾动脉水平。假腔部分血栓形成。升主动脉"
       "未受累，直径3.6厘米。腹腔干、肠系膜上动脉和两侧肾动脉都由真腔供血。没有心包积液，也没有纵隔血肿。左侧有"
       "少量胸腔积液。"),
    _c("b9-chest-dis-en-4", "chest", "en", DISSECTION,
       "Type B aortic dissection from the left subclavian artery to the renal arteries, also involving the "
       "ascending aorta. No rupture.",
       "ascending aorta: not involved -> involved"),
    _c("b9-chest-dis-en-5", "chest", "en", DISSECTION,
       "Type B aortic dissection from the left subclavian artery to the renal arteries. The right renal "
       "artery arises from the false lumen.",
       "renal artery supply: true -> false lumen"),
    _c("b9-chest-dis-en-6", "chest", "en", DISSECTION,
       "The scan shows a tear in the lining of your aorta, starting past the artery to your left arm. There "
       "is a large amount of fluid next to the left lung.",
       "effusion: small -> large"),
    _c("b9-chest-dis-zh-2", "chest", "zh", DISSECTION,
       "CT显示您有B型主动脉夹层，从左锁骨下动脉延伸到肾动脉水平，并有心包积液。",
       "pericardial effusion: negated -> stated"),
    # ---- chest: fibrotic interstitial lung disease ------------------------------------------------
    _c("b9-chest-ild-en-1", "chest", "en", ILD,
       "Basal-predominant subpleural reticulation in both lungs with traction bronchiectasis and honeycomb "
       "cysts, a UIP pattern of fibrotic interstitial lung disease. There is no ground-glass change and no "
       "consolidation. Mild mediastinal lymph node enlargement up to 1.3 cm (subcarinal), probably reactive. "
       "Main pulmonary artery 2.8 cm. No effusion."),
    _c("b9-chest-ild-en-2", "chest", "en", ILD,
       "Your CT scan shows scarring in both lungs, mostly at the bottom of the lungs and near their outer "
       "edges. This pattern is known as usual interstitial pneumonia, a form of lung fibrosis. Some of the "
       "small airways are widened because the scarring pulls on them. A few glands in the middle of the "
       "chest are slightly enlarged, most likely as a reaction to the lung changes. There is no fluid "
       "around the lungs. Your lung specialist will go through this with you."),
    _c("b9-chest-ild-en-3", "chest", "en", ILD,
       "The scan shows lung scarring (fibrosis) on both sides, worst in the lower parts of the lungs. There "
       "are no hazy areas and no areas of infection. The largest gland in the middle of the chest is 1.3 cm."),
    _c("b9-chest-ild-zh-1", "chest", "zh", ILD,
       "CT显示您两肺胸膜下有网格状改变，伴牵拉性支气管扩张和蜂窝肺，以两肺底部最明显，符合普通型间质性肺炎（UIP）"
       "模式的肺纤维化。没有磨玻璃影，没有实变。纵隔淋巴结轻度肿大，最大1.3厘米，可能是反应性的。没有胸腔积液。"),
    _c("b9-chest-ild-en-4", "chest", "en", ILD,
       "Fibrotic interstitial lung disease in a UIP pattern, upper lobe predominant. Mild reactive "
       "mediastinal lymphadenopathy.",
       "distribution: basal -> upper lobe"),
    _c("b9-chest-ild-en-5", "chest", "en", ILD,
       "Bilateral subpleural reticulation with traction bronchiectasis and honeycombing, and extensive "
       "ground-glass opacity.",
       "ground-glass: negated -> stated"),
    _c("b9-chest-ild-en-6", "chest", "en", ILD,
       "Fibrotic interstitial lung disease in a UIP pattern. Mediastinal lymph nodes up to 2.8 cm, likely "
       "reactive.",
       "node size: 1.3 -> 2.8 cm (the artery's size)"),
    _c("b9-chest-ild-zh-2", "chest", "zh", ILD,
       "CT显示您两肺有纤维化改变，以下部为主。纵隔淋巴结明显肿大，最大1.3厘米。",
       "lymphadenopathy: mild -> marked"),
    # ---- abdomen: pancreatic cyst (IPMN) ----------------------------------------------------------
    _c("b9-abd-ipmn-en-1", "abdomen", "en", IPMN,
       "Unilocular 1.8 cm cyst of the pancreatic tail that communicates with a side-branch duct, with no "
       "enhancing solid component or mural nodule, most consistent with a side-branch IPMN. Non-dilated "
       "main pancreatic duct (2 mm). No worrisome features. Unremarkable liver, spleen, adrenals and "
       "kidneys; no lymphadenopathy. Recommend follow-up MRI in 12 months."),
    _c("b9-abd-ipmn-en-2", "abdomen", "en", IPMN,
       "The scan found a small fluid-filled sac, 1.8 cm across, in the tail end of your pancreas. It is "
       "connected to one of the small side tubes that drain the pancreas. This type of cyst is called an "
       "IPMN. It has no solid parts and no features that would worry us. The main drainage tube of the "
       "pancreas is a normal width. Your other organs in this area look normal. We recommend another MRI "
       "in 12 months to check it."),
    _c("b9-abd-ipmn-en-3", "abdomen", "en", IPMN,
       "Your MRI shows a 1.8 cm cyst in the pancreas. It does not have any concerning features. A repeat "
       "MRI in 12 months is advised so that any change can be picked up."),
    _c("b9-abd-ipmn-zh-1", "abdomen", "zh", IPMN,
       "核磁共振显示您胰腺尾部有一个1.8厘米的单房囊性病变，与分支胰管相通，没有强化的实性成分或壁结节，最可能是"
       "分支型IPMN，没有令人担忧的特征。主胰管没有扩张。肝、脾、肾上腺和肾脏都正常。建议12个月后复查核磁共振。"),
    _c("b9-abd-ipmn-en-4", "abdomen", "en", IPMN,
       "1.8 cm pancreatic tail cyst, most likely a side-branch IPMN, with an enhancing mural nodule. "
       "Follow-up MRI in 12 months.",
       "mural nodule: negated -> stated"),
    _c("b9-abd-ipmn-en-5", "abdomen", "en", IPMN,
       "1.8 cm pancreatic head cyst, most likely a side-branch IPMN, without worrisome features.",
       "place: tail -> head"),
    _c("b9-abd-ipmn-en-6", "abdomen", "en", IPMN,
       "Your MRI shows a 1.8 cm cyst in the tail of the pancreas with no concerning features. The main "
       "duct of the pancreas is widened.",
       "duct dilatation: negated -> stated"),
    _c("b9-abd-ipmn-zh-2", "abdomen", "zh", IPMN,
       "核磁共振显示您胰腺尾部有一个1.8厘米的囊性病变，考虑分支型IPMN。建议行超声内镜引导下穿刺活检。",
       "invented recommendation: EUS-guided biopsy"),
    # ---- abdomen: acute pyelonephritis ------------------------------------------------------------
    _c("b9-abd-pye-en-1", "abdomen", "en", PYELO,
       "Acute pyelonephritis of the right kidney: the kidney is swollen, with wedge-shaped hypoenhancing "
       "areas in the upper pole and interpolar region and surrounding perinephric stranding. No abscess, "
       "hydronephrosis or urinary tract calculus. Normal left kidney and bladder. Trace free fluid in the "
       "right paracolic gutter."),
    _c("b9-abd-pye-en-2", "abdomen", "en", PYELO,
       "Your CT scan shows an infection of the right kidney, called pyelonephritis. The kidney is swollen "
       "and some parts of it take up less of the contrast dye. There is no collection of pus, no kidney "
       "stone and nothing blocking the flow of urine. Your left kidney and your bladder look normal. There "
       "is a little fluid in the right side of the tummy."),
    _c("b9-abd-pye-en-3", "abdomen", "en", PYELO,
       "You have a kidney infection on the right side. Importantly, there is no abscess and the kidney is "
       "not blocked. Your doctor will explain the treatment."),
    _c("b9-abd-pye-zh-1", "abdomen", "zh", PYELO,
       "CT显示您右肾增大，上极和中部有楔形的强化减低区，肾周脂肪有渗出，符合急性右肾盂肾炎。没有脓肿，没有肾积水，"
       "也没有结石。左肾和膀胱正常。右侧结肠旁沟有少量积液。"),
    _c("b9-abd-pye-en-4", "abdomen", "en", PYELO,
       "Acute right pyelonephritis complicated by a perinephric abscess. No obstruction.",
       "abscess: negated -> stated"),
    _c("b9-abd-pye-en-5", "abdomen", "en", PYELO,
       "Acute left pyelonephritis without abscess or obstruction.",
       "side: right -> left"),
    _c("b9-abd-pye-en-6", "abdomen", "en", PYELO,
       "Your CT scan shows an infection of the right kidney. There is a small stone in the right ureter, "
       "but the kidney is not blocked.",
       "ureteric calculus: negated -> stated"),
    _c("b9-abd-pye-zh-2", "abdomen", "zh", PYELO,
       "CT显示您右肾急性肾盂肾炎，没有脓肿。右肾有中度积水。",
       "hydronephrosis: negated -> stated"),
    # ---- musculoskeletal: lateral ankle ligament tear ---------------------------------------------
    _c("b9-msk-atfl-en-1", "musculoskeletal", "en", ATFL,
       "Full-thickness tear of the ATFL. Thickened, sprained but intact CFL. Intact deltoid ligament. Bone "
       "bruise of the medial talar dome without an osteochondral lesion. Normal peroneal and Achilles "
       "tendons. Small ankle joint effusion."),
    _c("b9-msk-atfl-en-2", "musculoskeletal", "en", ATFL,
       "The MRI of your right ankle shows that one of the ligaments on the outer side of the ankle, the "
       "anterior talofibular ligament, is completely torn. A second ligament next to it is sprained but not "
       "torn. The strong ligament on the inner side of the ankle is fine. There is a bruise in the top of "
       "the ankle bone on the inner side, but the cartilage is not damaged. The tendons around the ankle "
       "are normal, and there is a little fluid in the joint."),
    _c("b9-msk-atfl-en-3", "musculoskeletal", "en", ATFL,
       "Your ankle scan shows a torn ligament on the outside of the ankle and a sprained ligament beside "
       "it. There is some bruising of the bone. Your doctor will discuss the treatment with you."),
    _c("b9-msk-atfl-zh-1", "musculoskeletal", "zh", ATFL,
       "核磁共振显示您右踝距腓前韧带完全撕裂，跟腓韧带增厚但完整，属于扭伤。三角韧带完好。距骨穹窿内侧有骨挫伤，"
       "没有骨软骨损伤。腓骨肌腱和跟腱正常。踝关节少量积液。"),
    _c("b9-msk-atfl-en-4", "musculoskeletal", "en", ATFL,
       "1. Partial tear of the anterior talofibular ligament. 2. Sprain of the calcaneofibular ligament.",
       "tear: complete -> partial"),
    _c("b9-msk-atfl-en-5", "musculoskeletal", "en", ATFL,
       "1. Complete tear of the anterior talofibular ligament. 2. Complete tear of the calcaneofibular "
       "ligament.",
       "calcaneofibular ligament: sprained, intact -> torn"),
    _c("b9-msk-atfl-en-6", "musculoskeletal", "en", ATFL,
       "The MRI of your right ankle shows a completely torn ligament on the outer side of the ankle and a "
       "bone bruise in the lateral talar dome.",
       "bone bruise place: medial -> lateral"),
    _c("b9-msk-atfl-zh-2", "musculoskeletal", "zh", ATFL,
       "核磁共振显示您左踝距腓前韧带完全撕裂，跟腓韧带扭伤。",
       "side: right -> left"),
    # ---- musculoskeletal: fifth metacarpal neck fracture ------------------------------------------
    _c("b9-msk-box-en-1", "musculoskeletal", "en", BOXER,
       "Extra-articular transverse fracture through the fifth metacarpal neck, the distal fragment "
       "angulated 35 degrees in a volar direction, a boxer's fracture. No evident rotational deformity and "
       "no dislocation. Remaining metacarpals and phalanges intact. Dorsal soft tissue swelling."),
    _c("b9-msk-box-en-2", "musculoskeletal", "en", BOXER,
       "Your X-ray shows a break in the bone of the hand that leads to the little finger, just below the "
       "knuckle. This is often called a boxer's fracture. The broken end is tilted towards the palm by 35 "
       "degrees. The break does not go into the joint, the finger does not appear twisted and no joint is "
       "out of place. The other bones of the hand and fingers are not broken. The back of the hand is "
       "swollen."),
    _c("b9-msk-box-en-3", "musculoskeletal", "en", BOXER,
       "You have broken the bone behind your little finger on the right hand (a boxer's fracture). The "
       "break has not reached the joint. Your doctor will explain the treatment options."),
    _c("b9-msk-box-zh-1", "musculoskeletal", "zh", BOXER,
       "X光显示您右手第五掌骨颈横行骨折，远端骨折块向掌侧成角35度，即拳击手骨折。骨折没有累及关节，没有明显旋转"
       "畸形，没有脱位。其他掌骨和指骨完好。手背软组织肿胀。"),
    _c("b9-msk-box-en-4", "musculoskeletal", "en", BOXER,
       "Angulated fracture of the fourth metacarpal neck (boxer's fracture), extra-articular.",
       "bone: fifth -> fourth metacarpal"),
    _c("b9-msk-box-en-5", "musculoskeletal", "en", BOXER,
       "Transverse fracture of the neck of the fifth metacarpal with 35 degrees of volar angulation, "
       "extending into the joint.",
       "intra-articular extension: negated -> stated"),
    _c("b9-msk-box-en-6", "musculoskeletal", "en", BOXER,
       "Your X-ray shows a break in the bone leading to your little finger, tilted by 35 degrees. The "
       "little finger is also dislocated.",
       "dislocation: negated -> stated"),
    _c("b9-msk-box-zh-2", "musculoskeletal", "zh", BOXER,
       "X光显示您右手第五掌骨颈骨折，向掌侧成角35度，伴有明显旋转畸形。",
       "rotational deformity: negated -> stated"),
]

assert len({c.id for c in BATCH_9}) == len(BATCH_9) == 64


# ---- batch 10 (branch guard4) ---------------------------------------------------------------------
# Written from clinical knowledge before the guard was run on it, on topics no earlier batch uses:
# 8 reports (2 per domain), each with 3 English + 1 Chinese faithful texts and 3 English + 1 Chinese
# planted ones (``python -m bench.guard_heldout --set dev10``; first run in the README).

METS = """FINDINGS: Three enhancing lesions in the brain: 1.6 cm in the left cerebellar hemisphere, 9 mm in \
the right frontal lobe and 5 mm in the right occipital lobe, with moderate vasogenic edema around the \
cerebellar lesion. Mild effacement of the fourth ventricle without hydrocephalus. No hemorrhage within the \
lesions. No midline shift. The dural venous sinuses are patent.
IMPRESSION: Three enhancing intracranial lesions, the largest 1.6 cm in the left cerebellum, most \
consistent with metastases. No hydrocephalus."""

CVST = """FINDINGS: Filling defect in the superior sagittal sinus and the right transverse sinus, consistent \
with acute dural venous sinus thrombosis. A 2.1 cm focus of hemorrhagic venous infarction in the right \
parietal lobe. The left transverse and sigmoid sinuses are patent. No subdural collection. The ventricles \
are normal in size.
IMPRESSION: Acute thrombosis of the superior sagittal and right transverse sinuses with a 2.1 cm right \
parietal hemorrhagic venous infarct."""

EMPYEMA = """FINDINGS: Moderate loculated right pleural effusion with smooth enhancing thickening of the \
visceral and parietal pleura (split pleura sign), containing a few locules of gas, consistent with empyema. \
Adjacent passive atelectasis of the right lower lobe. No lung abscess. No bronchopleural fistula is \
identified. The left lung is clear. Heart size is normal.
IMPRESSION: Right-sided empyema with pleural enhancement and loculation. No lung abscess."""

THYMOMA = """FINDINGS: A 4.3 x 3.1 cm well-defined, homogeneous soft tissue mass in the anterior \
mediastinum, without calcification or fat. The mass abuts the ascending aorta with a preserved fat plane. \
No invasion of the pericardium or great vessels. No pleural nodularity or effusion. No mediastinal or \
hilar lymphadenopathy. The lungs are clear.
IMPRESSION: 4.3 cm well-circumscribed anterior mediastinal mass, most likely a thymoma, without signs of \
local invasion."""

CROHN = """FINDINGS: Mural thickening of the terminal ileum to 7 mm over a length of 15 cm, with mucosal \
hyperenhancement, a stratified enhancement pattern and engorged vasa recta (comb sign). Mild upstream \
dilatation of the small bowel to 3.2 cm without complete obstruction. No abscess or fistula. Several \
reactive mesenteric lymph nodes up to 8 mm. The colon is normal.
IMPRESSION: Active inflammatory Crohn disease of the terminal ileum over 15 cm with a mild stricture. No \
abscess or fistula."""

FIBROIDS = """FINDINGS: The uterus is enlarged, measuring 12 x 7 x 8 cm, with multiple intramural and \
subserosal fibroids, the largest 5.2 cm in the fundus, intramural. A 2 cm submucosal fibroid distorts the \
endometrial cavity. No degeneration. Both ovaries are normal. No free fluid. No hydronephrosis.
IMPRESSION: Enlarged fibroid uterus; the largest fibroid is 5.2 cm and fundal. A 2 cm submucosal fibroid \
distorts the endometrial cavity."""

TIBIAL_PLATEAU = """FINDINGS: Left knee CT. Split-depression fracture of the lateral tibial plateau with 6 mm \
of articular depression and 3 mm of lateral widening (Schatzker type II). The medial tibial plateau is \
intact. No fracture of the fibular head. Lipohemarthrosis. No dislocation.
IMPRESSION: Schatzker II lateral tibial plateau fracture with 6 mm articular depression and a \
lipohemarthrosis."""

AVN = """FINDINGS: Right hip MRI. Avascular necrosis of the right femoral head involving about 30% of the \
weight-bearing surface, with a double-line sign and bone marrow edema. No subchondral fracture or collapse \
of the articular surface. The left femoral head is normal. Small right hip joint effusion. The acetabular \
cartilage is preserved.
IMPRESSION: Avascular necrosis of the right femoral head without collapse (ARCO stage II). Normal left \
hip."""

BATCH_10: list[DevCase] = [
    # ---- neuro: brain metastases ------------------------------------------------------------------
    _c("b10-neuro-met-en-1", "neuro", "en", METS,
       "Three enhancing intracranial lesions most in keeping with metastatic disease: left cerebellar 1.6 "
       "cm, right frontal 9 mm and right occipital 5 mm. Moderate perilesional vasogenic oedema around the "
       "cerebellar lesion, mildly effacing the fourth ventricle; no hydrocephalus. No intralesional "
       "haemorrhage or midline shift. Patent dural venous sinuses."),
    _c("b10-neuro-met-en-2", "neuro", "en", METS,
       "Your MRI shows three spots in the brain that light up with the contrast dye. The doctors think they "
       "are most likely spread from a cancer elsewhere in the body (metastases). The biggest, 1.6 cm, is in "
       "the left side of the cerebellum, the part at the back of the brain that controls balance. There is "
       "some swelling around it that slightly narrows one of the fluid spaces, but the fluid is not backed "
       "up. None of the spots has bled."),
    _c("b10-neuro-met-en-3", "neuro", "en", METS,
       "The scan found three small areas in the brain, the largest about 16 mm, which are most likely "
       "secondary tumours. There is no bleeding and the brain has not shifted. Your oncology team will talk "
       "with you about treatment."),
    _c("b10-neuro-met-zh-1", "neuro", "zh", METS,
       "核磁共振显示您脑内有三个强化病灶：左侧小脑半球1.6厘米，右侧额叶9毫米，右侧枕叶5毫米，最可能是转移瘤。"
       "小脑病灶周围有中度水肿，第四脑室轻度受压，但没有脑积水。病灶内没有出血，中线没有移位，静脉窦通畅。"),
    _c("b10-neuro-met-en-4", "neuro", "en", METS,
       "Three enhancing intracranial lesions, the largest 1.6 cm in the left cerebellum, most consistent "
       "with metastases, with obstructive hydrocephalus.",
       "hydrocephalus: negated -> stated"),
    _c("b10-neuro-met-en-5", "neuro", "en", METS,
       "Three enhancing lesions: 1.6 cm in the right cerebellar hemisphere, 9 mm in the right frontal lobe "
       "and 5 mm in the right occipital lobe, most consistent with metastases.",
       "cerebellar lesion side: left -> right"),
    _c("b10-neuro-met-en-6", "neuro", "en", METS,
       "Your MRI shows three spots in the brain, most likely spread from a cancer. The biggest is 1.6 cm at "
       "the back of the brain and there is severe swelling around it.",
       "edema severity: moderate -> severe"),
    _c("b10-neuro-met-zh-2", "neuro", "zh", METS,
       "核磁共振显示您脑内有三个转移瘤，最大的在左侧小脑，1.6厘米，其中一个病灶内有出血。",
       "hemorrhage: negated -> stated"),
    # ---- neuro: cerebral venous sinus thrombosis --------------------------------------------------
    _c("b10-neuro-cvst-en-1", "neuro", "en", CVST,
       "Acute dural venous sinus thrombosis involving the superior sagittal sinus and the right transverse "
       "sinus, with a 2.1 cm hemorrhagic venous infarct in the right parietal lobe. Patent left transverse "
       "and sigmoid sinuses. No subdural collection; normal ventricular size."),
    _c("b10-neuro-cvst-en-2", "neuro", "en", CVST,
       "Your scan shows blood clots in two of the large veins that drain blood from the brain. Because the "
       "blood cannot drain properly, a 2.1 cm area of the right side of the brain, towards the top and back, "
       "has been damaged and has bled a little. The veins on the left side are open. There is no blood "
       "collection on the surface of the brain."),
    _c("b10-neuro-cvst-en-3", "neuro", "en", CVST,
       "The MRI shows a clot in the brain's draining veins (venous sinus thrombosis), with a small bleed "
       "caused by it in the right parietal lobe. The fluid spaces of the brain are a normal size. Your "
       "doctors will start treatment to thin the blood and will explain this to you."),
    _c("b10-neuro-cvst-zh-1", "neuro", "zh", CVST,
       "核磁共振显示您上矢状窦和右侧横窦有急性血栓形成。右侧顶叶有一个2.1厘米的出血性静脉性梗死。左侧横窦和"
       "乙状窦通畅。没有硬膜下积液，脑室大小正常。"),
    _c("b10-neuro-cvst-en-4", "neuro", "en", CVST,
       "Acute thrombosis of the superior sagittal and left transverse sinuses with a 2.1 cm right parietal "
       "hemorrhagic venous infarct.",
       "thrombosed transverse sinus side: right -> left"),
    _c("b10-neuro-cvst-en-5", "neuro", "en", CVST,
       "Acute thrombosis of the superior sagittal and right transverse sinuses with a 3.1 cm right parietal "
       "hemorrhagic venous infarct.",
       "infarct size: 2.1 -> 3.1 cm"),
    _c("b10-neuro-cvst-en-6", "neuro", "en", CVST,
       "Your scan shows blood clots in the large veins that drain the brain, with a small bleed on the right "
       "side. There is also a thin collection of blood under the skull on the right.",
       "subdural collection: negated -> stated"),
    _c("b10-neuro-cvst-zh-2", "neuro", "zh", CVST,
       "核磁共振显示您上矢状窦和右侧横窦有急性血栓形成，右侧顶叶有出血性梗死，脑室明显扩大。",
       "ventricles: normal -> enlarged"),
    # ---- chest: empyema ---------------------------------------------------------------------------
    _c("b10-chest-emp-en-1", "chest", "en", EMPYEMA,
       "Moderate right loculated pleural collection with smoothly thickened, enhancing visceral and "
       "parietal pleura (split pleura sign) and a few gas locules, in keeping with empyema. Passive "
       "atelectasis of the adjacent right lower lobe. No lung abscess or bronchopleural fistula. Clear left "
       "lung; normal heart size."),
    _c("b10-chest-emp-en-2", "chest", "en", EMPYEMA,
       "Your CT shows an infected collection of fluid between the right lung and the chest wall. This is "
       "called an empyema. The fluid is divided into pockets and contains a few small bubbles of gas, and "
       "the lining around it is thickened. The bottom part of the right lung is squashed by the fluid. "
       "There is no abscess inside the lung. The left lung is clear and the heart is a normal size."),
    _c("b10-chest-emp-en-3", "chest", "en", EMPYEMA,
       "The scan shows pus around the right lung (an empyema), walled off into pockets. The lung itself "
       "does not contain an abscess. Your team will talk to you about draining the fluid."),
    _c("b10-chest-emp-zh-1", "chest", "zh", EMPYEMA,
       "CT显示您右侧有中等量包裹性胸腔积液，胸膜增厚并强化（胸膜分裂征），内有少量气体，符合脓胸。右肺下叶邻近"
       "部分被动性肺不张。没有肺脓肿，也没有支气管胸膜瘘。左肺清晰，心脏大小正常。"),
    _c("b10-chest-emp-en-4", "chest", "en", EMPYEMA,
       "Right-sided empyema with pleural enhancement and loculation, and an adjacent right lower lobe lung "
       "abscess.",
       "lung abscess: negated -> stated"),
    _c("b10-chest-emp-en-5", "chest", "en", EMPYEMA,
       "Left-sided empyema with pleural enhancement and loculation. No lung abscess.",
       "side: right -> left"),
    _c("b10-chest-emp-en-6", "chest", "en", EMPYEMA,
       "Your CT shows an infected collection of fluid around the right lung, divided into pockets. There is "
       "a small hole connecting the airway to the fluid.",
       "bronchopleural fistula: negated -> stated"),
    _c("b10-chest-emp-zh-2", "chest", "zh", EMPYEMA,
       "CT显示您右侧有大量包裹性胸腔积液，符合脓胸。没有肺脓肿。",
       "effusion size: moderate -> large"),
    # ---- chest: anterior mediastinal mass ---------------------------------------------------------
    _c("b10-chest-thy-en-1", "chest", "en", THYMOMA,
       "Well-circumscribed homogeneous anterior mediastinal soft tissue mass, 4.3 x 3.1 cm, with no "
       "calcification or macroscopic fat, most likely a thymoma. It abuts the ascending aorta but the fat "
       "plane is preserved, and there is no pericardial or great vessel invasion. No pleural nodules or "
       "effusion; no thoracic lymphadenopathy. Clear lungs."),
    _c("b10-chest-thy-en-2", "chest", "en", THYMOMA,
       "Your CT shows a lump in the front part of the chest, between the lungs and in front of the heart. "
       "It measures about 4.3 cm and has smooth edges. It is most likely a thymoma, a growth of the thymus "
       "gland. It lies next to the main artery of the body but a layer of fat still separates them, and "
       "there is no sign that it is growing into the sac around the heart or into the large blood vessels. "
       "The lungs are clear."),
    _c("b10-chest-thy-en-3", "chest", "en", THYMOMA,
       "A 43 mm smooth mass was found in the front of your chest, probably arising from the thymus gland. "
       "There are no enlarged glands and no fluid around the lungs. The chest surgeons will discuss the "
       "findings with you."),
    _c("b10-chest-thy-zh-1", "chest", "zh", THYMOMA,
       "CT显示您前纵隔有一个4.3×3.1厘米的边界清楚、密度均匀的软组织肿块，没有钙化和脂肪，最可能是胸腺瘤。肿块"
       "紧贴升主动脉，但脂肪间隙存在，没有侵犯心包或大血管。没有胸膜结节或胸腔积液，纵隔和肺门没有淋巴结肿大。"
       "双肺清晰。"),
    _c("b10-chest-thy-en-4", "chest", "en", THYMOMA,
       "4.3 cm well-circumscribed anterior mediastinal mass, most likely a thymoma, with invasion of the "
       "pericardium.",
       "pericardial invasion: negated -> stated"),
    _c("b10-chest-thy-en-5", "chest", "en", THYMOMA,
       "A 4.3 x 3.1 cm homogeneous soft tissue mass with coarse calcification in the anterior "
       "mediastinum, most likely a thymoma.",
       "calcification: negated -> stated"),
    _c("b10-chest-thy-en-6", "chest", "en", THYMOMA,
       "Your CT shows a lump in the front part of the chest, most likely a thymoma. There are enlarged "
       "glands in the middle of the chest.",
       "lymphadenopathy: negated -> stated"),
    _c("b10-chest-thy-zh-2", "chest", "zh", THYMOMA,
       "CT显示您后纵隔有一个4.3厘米的肿块，最可能是胸腺瘤，没有侵犯周围结构。",
       "place: anterior -> posterior mediastinum"),
    # ---- abdomen: Crohn disease of the terminal ileum ---------------------------------------------
    _c("b10-abd-crohn-en-1", "abdomen", "en", CROHN,
       "Active inflammatory Crohn disease of the terminal ileum: 15 cm segment of mural thickening up to 7 "
       "mm with mucosal hyperenhancement, stratified enhancement and the comb sign. Mild stricture with "
       "upstream small bowel dilatation to 3.2 cm, no complete obstruction. No abscess or fistula. Reactive "
       "mesenteric nodes up to 8 mm. Normal colon."),
    _c("b10-abd-crohn-en-2", "abdomen", "en", CROHN,
       "Your MRI shows active inflammation from Crohn's disease in the last part of the small intestine, "
       "over about 15 cm. The bowel wall there is thickened, and the bowel has become a bit narrow, so the "
       "bowel just before it is slightly widened, but it is not blocked. There is no abscess and no "
       "abnormal channel (fistula). The large bowel looks normal."),
    _c("b10-abd-crohn-en-3", "abdomen", "en", CROHN,
       "The scan shows that your Crohn's disease is active in the end of the small bowel, with a mild "
       "narrowing. There is no pocket of pus and no fistula. Your gastroenterologist will discuss the "
       "treatment with you."),
    _c("b10-abd-crohn-zh-1", "abdomen", "zh", CROHN,
       "核磁共振显示您回肠末段有活动性克罗恩病，病变长约15厘米，肠壁增厚至7毫米，黏膜明显强化，可见梳状征。"
       "上游小肠轻度扩张至3.2厘米，但没有完全梗阻。没有脓肿或瘘管。肠系膜有几个反应性淋巴结，最大8毫米。结肠正常。"),
    _c("b10-abd-crohn-en-4", "abdomen", "en", CROHN,
       "Active inflammatory Crohn disease of the terminal ileum over 15 cm with a mild stricture and an "
       "enteroenteric fistula. No abscess.",
       "fistula: negated -> stated"),
    _c("b10-abd-crohn-en-5", "abdomen", "en", CROHN,
       "Active inflammatory Crohn disease of the terminal ileum over 15 cm with a severe stricture. No "
       "abscess or fistula.",
       "stricture severity: mild -> severe"),
    _c("b10-abd-crohn-en-6", "abdomen", "en", CROHN,
       "Your MRI shows active Crohn's disease in the last part of the small bowel over about 15 cm. The "
       "large bowel is also inflamed.",
       "colon: normal -> inflamed"),
    _c("b10-abd-crohn-zh-2", "abdomen", "zh", CROHN,
       "核磁共振显示您回肠末段有活动性克罗恩病，病变长约25厘米，没有脓肿或瘘管。",
       "length: 15 -> 25 cm"),
    # ---- abdomen: uterine fibroids ----------------------------------------------------------------
    _c("b10-abd-fib-en-1", "abdomen", "en", FIBROIDS,
       "Enlarged uterus (12 x 7 x 8 cm) with multiple intramural and subserosal leiomyomas; the dominant "
       "one is a 5.2 cm intramural fundal fibroid. A 2 cm submucosal fibroid distorts the endometrial "
       "cavity. No features of degeneration. Normal ovaries, no free fluid, no hydronephrosis."),
    _c("b10-abd-fib-en-2", "abdomen", "en", FIBROIDS,
       "Your scan shows that your womb is larger than usual because it has several fibroids. Fibroids are "
       "non-cancerous growths of the muscle of the womb. The biggest is 5.2 cm, at the top of the womb. A "
       "smaller 2 cm fibroid bulges into the inside of the womb and changes its shape. Both ovaries look "
       "normal and the kidneys are not swollen."),
    _c("b10-abd-fib-en-3", "abdomen", "en", FIBROIDS,
       "You have several fibroids in your womb, the largest about 52 mm. One small fibroid pushes into the "
       "lining of the womb. There is no free fluid in the pelvis. Your gynaecologist will talk to you about "
       "the options."),
    _c("b10-abd-fib-zh-1", "abdomen", "zh", FIBROIDS,
       "检查显示您的子宫增大，大小12×7×8厘米，有多发肌壁间和浆膜下子宫肌瘤，最大的5.2厘米，位于宫底的肌壁间。"
       "另有一个2厘米的黏膜下肌瘤使宫腔变形。肌瘤没有变性。双侧卵巢正常，盆腔没有积液，没有肾积水。"),
    _c("b10-abd-fib-en-4", "abdomen", "en", FIBROIDS,
       "Enlarged fibroid uterus; the largest fibroid is 5.2 cm and fundal, with cystic degeneration. A 2 cm "
       "submucosal fibroid distorts the endometrial cavity.",
       "degeneration: negated -> stated"),
    _c("b10-abd-fib-en-5", "abdomen", "en", FIBROIDS,
       "Enlarged fibroid uterus; the largest fibroid is 2 cm and fundal. A 5.2 cm submucosal fibroid "
       "distorts the endometrial cavity.",
       "sizes swapped between the fundal and submucosal fibroids"),
    _c("b10-abd-fib-en-6", "abdomen", "en", FIBROIDS,
       "Your womb is larger than usual because of several fibroids, the biggest 5.2 cm. There is a cyst on "
       "the left ovary.",
       "invented finding: ovarian cyst"),
    _c("b10-abd-fib-zh-2", "abdomen", "zh", FIBROIDS,
       "检查显示您的子宫增大，有多发子宫肌瘤，最大的5.2厘米，位于宫底。右侧肾脏有轻度积水。",
       "hydronephrosis: negated -> stated"),
    # ---- musculoskeletal: tibial plateau fracture -------------------------------------------------
    _c("b10-msk-tib-en-1", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "Schatzker type II split-depression fracture of the left lateral tibial plateau, with 6 mm articular "
       "surface depression and 3 mm lateral widening. Intact medial plateau and fibular head. "
       "Lipohaemarthrosis. No dislocation."),
    _c("b10-msk-tib-en-2", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "Your CT shows a break in the top of the shin bone on the outer side of your left knee. Part of the "
       "joint surface has split and been pushed down by 6 mm. The inner side of the shin bone is not "
       "broken and the small bone on the outside of the leg is fine. There is blood and fat in the knee "
       "joint from the fracture. The knee is not dislocated."),
    _c("b10-msk-tib-en-3", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "You have a fracture of the top of the shin bone on the outer side of the left knee, with the joint "
       "surface pushed down about 6 mm. The orthopaedic team will decide with you whether it needs an "
       "operation."),
    _c("b10-msk-tib-zh-1", "musculoskeletal", "zh", TIBIAL_PLATEAU,
       "CT显示您左膝胫骨外侧平台劈裂塌陷骨折（Schatzker II型），关节面塌陷6毫米，外侧增宽3毫米。胫骨内侧平台"
       "完好，腓骨头没有骨折。膝关节内有脂肪血性积液，没有脱位。"),
    _c("b10-msk-tib-en-4", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "Schatzker II lateral tibial plateau fracture with 6 mm articular depression, a fibular head "
       "fracture and a lipohemarthrosis.",
       "fibular head fracture: negated -> stated"),
    _c("b10-msk-tib-en-5", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "Schatzker II medial tibial plateau fracture with 6 mm articular depression and a lipohemarthrosis.",
       "place: lateral -> medial plateau"),
    _c("b10-msk-tib-en-6", "musculoskeletal", "en", TIBIAL_PLATEAU,
       "Your CT shows a break in the top of the shin bone on the outer side of your left knee, with the "
       "joint surface pushed down by 16 mm.",
       "depression: 6 -> 16 mm"),
    _c("b10-msk-tib-zh-2", "musculoskeletal", "zh", TIBIAL_PLATEAU,
       "CT显示您右膝胫骨外侧平台骨折，关节面塌陷6毫米，膝关节内有脂肪血性积液。",
       "side: left -> right"),
    # ---- musculoskeletal: avascular necrosis of the femoral head ----------------------------------
    _c("b10-msk-avn-en-1", "musculoskeletal", "en", AVN,
       "Right femoral head osteonecrosis (avascular necrosis) affecting approximately 30% of the "
       "weight-bearing surface, with the double-line sign and marrow oedema. No subchondral fracture or "
       "articular collapse (ARCO II). Normal left femoral head. Small right hip effusion; acetabular "
       "cartilage preserved."),
    _c("b10-msk-avn-en-2", "musculoskeletal", "en", AVN,
       "Your MRI shows that part of the ball of your right hip joint has lost its blood supply. This is "
       "called avascular necrosis. It affects about 30% of the part of the ball that takes your weight. The "
       "bone has not cracked or collapsed, and the cartilage of the hip socket is fine. There is a small "
       "amount of fluid in the right hip. Your left hip is normal."),
    _c("b10-msk-avn-en-3", "musculoskeletal", "en", AVN,
       "The scan shows an early stage of avascular necrosis in the right femoral head, without collapse of "
       "the bone. The left hip is normal. Your orthopaedic surgeon will discuss the treatment options."),
    _c("b10-msk-avn-zh-1", "musculoskeletal", "zh", AVN,
       "核磁共振显示您右侧股骨头缺血性坏死，累及约30%的负重面，可见双线征和骨髓水肿。没有软骨下骨折，关节面"
       "没有塌陷（ARCO II期）。左侧股骨头正常。右髋关节少量积液，髋臼软骨完好。"),
    _c("b10-msk-avn-en-4", "musculoskeletal", "en", AVN,
       "Avascular necrosis of the right femoral head with a subchondral fracture and early collapse (ARCO "
       "stage III). Normal left hip.",
       "collapse: negated -> stated"),
    _c("b10-msk-avn-en-5", "musculoskeletal", "en", AVN,
       "Avascular necrosis of both femoral heads without collapse (ARCO stage II).",
       "side: right -> bilateral"),
    _c("b10-msk-avn-en-6", "musculoskeletal", "en", AVN,
       "Your MRI shows that part of the ball of your right hip has lost its blood supply, affecting about "
       "60% of the part that takes your weight. The bone has not collapsed.",
       "extent: 30% -> 60%"),
    _c("b10-msk-avn-zh-2", "musculoskeletal", "zh", AVN,
       "核磁共振显示您右侧股骨头缺血性坏死，没有塌陷。髋臼软骨明显磨损。",
       "acetabular cartilage: preserved -> damaged"),
]

assert len({c.id for c in BATCH_10}) == len(BATCH_10) == 64
assert sum(c.planted is None for c in BATCH_10) == 32
