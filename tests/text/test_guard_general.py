"""Guard development cases beyond the vocabulary: four body regions, English and Chinese.

Written for the general checks (unsupported content, lesion-bound sizes and descriptors,
negation of any finding, Chinese terms mapped to the English report). These are development
cases: the guard was tuned on them. The independent held-out set is bench/text_guard_heldout_v2.py.
"""

from __future__ import annotations

import time

import pytest

from medgen.text.guard import FlagKind, SourceFacts, check

NEURO = (
    "EXAMINATION: CT head without contrast. Indication: Fall, headache.\n"
    "FINDINGS: A 12 mm acute subdural hematoma over the left frontal lobe. No midline shift. "
    "No hydrocephalus. No skull fracture. Mild periventricular white matter hypodensity, "
    "consistent with chronic small vessel disease.\n"
    "IMPRESSION: 12 mm acute left frontal subdural hematoma without midline shift."
)
CHEST = (
    "EXAMINATION: CT chest with IV contrast. Indication: Dyspnea.\n"
    "FINDINGS: A 6 mm solid nodule in the right lower lobe. A 15 mm ground-glass nodule in the "
    "left upper lobe. Small right pleural effusion. No pneumothorax. Mild paraseptal emphysema.\n"
    "IMPRESSION: Small right pleural effusion. Two pulmonary nodules as described."
)
ABDOMEN = (
    "EXAMINATION: CT abdomen and pelvis with IV contrast. Indication: Flank pain.\n"
    "FINDINGS: A 3.1 cm simple cyst in the upper pole of the right kidney. A 5 mm non-obstructing "
    "stone in the left kidney. No hydronephrosis. The appendix is normal. No free fluid. "
    "Mild hepatic steatosis.\n"
    "IMPRESSION: Simple right renal cyst. Non-obstructing left renal calculus."
)
MSK = (
    "EXAMINATION: Radiographs of the right wrist. Indication: Fall on outstretched hand.\n"
    "FINDINGS: Non-displaced transverse fracture of the distal radius. No dislocation. "
    "Mild soft tissue swelling. The scaphoid is intact.\n"
    "IMPRESSION: Non-displaced fracture of the right distal radius."
)

CLEAN = [
    (NEURO, "There is an acute subdural hematoma measuring 12 mm along the left frontal lobe. "
            "The midline is not shifted and there is no hydrocephalus."),
    (NEURO, "No fracture of the skull. Chronic small vessel ischemic disease is present in the "
            "periventricular white matter, mild."),
    (NEURO, "IMPRESSION: Acute left frontal subdural haematoma, 1.2 cm, with no midline shift."),
    (CHEST, "FINDINGS: Solid nodule of 6 mm in the right lower lobe and a ground-glass nodule of "
            "1.5 cm in the left upper lobe. There is a small right-sided pleural effusion. "
            "Pneumothorax is absent."),
    (CHEST, "IMPRESSION: Small pleural effusion on the right. Two lung nodules, described above. "
            "Mild emphysema."),
    (ABDOMEN, "FINDINGS: The right kidney has a simple cyst of 31 mm at its upper pole. There is "
              "a 5 mm nonobstructing calculus in the left kidney without hydronephrosis."),
    (ABDOMEN, "The appendix appears normal. There is no free fluid. Mild fatty infiltration of "
              "the liver (hepatic steatosis)."),
    (MSK, "FINDINGS: Transverse fracture of the distal radius without displacement. "
          "No dislocation is seen. Mild swelling of the soft tissues. The scaphoid is intact."),
    (MSK, "IMPRESSION: Right distal radius fracture, not displaced."),
    # Chinese patient text against the English report
    (NEURO, "您的头部CT显示，左侧额叶表面有一个12毫米的急性硬膜下血肿。大脑中线没有移位，没有脑积水，颅骨没有骨折。"),
    (CHEST, "您的右肺下叶有一个6毫米的实性结节，左肺上叶有一个15毫米的磨玻璃结节。右侧有少量胸腔积液，没有气胸。"),
    (ABDOMEN, "您的右肾有一个3.1厘米的单纯囊肿，左肾有一个5毫米的结石，没有引起肾积水。阑尾正常，没有腹水。"),
    (MSK, "您的右手腕桡骨远端有骨折，但是没有移位，也没有脱位。周围软组织有轻度肿胀。"),
]

PLANTED = [
    # unsupported content named by a word outside the vocabulary
    (NEURO, "A 12 mm acute subdural hematoma over the left frontal lobe with a small cortical "
            "contusion. No midline shift.", "unsupported"),
    (CHEST, "A 6 mm solid nodule in the right lower lobe. Calcified pleural plaques.",
     "diagnosis"),  # plaque is a term (guardff)
    (ABDOMEN, "A 3.1 cm simple cyst in the right kidney. Sigmoid diverticulitis.", "diagnosis"),
    (MSK, "Non-displaced fracture of the distal radius with a small avulsion fragment.",
     "unsupported"),
    # descriptor / severity bound to the lesion
    (ABDOMEN, "A 3.1 cm complex cyst in the upper pole of the right kidney.", "diagnosis"),
    (MSK, "Displaced transverse fracture of the distal radius.", "negation"),
    (NEURO, "Severe periventricular white matter hypodensity from small vessel disease.",
     "diagnosis"),
    (CHEST, "Small right pleural effusion. Severe paraseptal emphysema.", "diagnosis"),
    # sizes swapped between two lesions
    (CHEST, "A 15 mm solid nodule in the right lower lobe and a 6 mm ground-glass nodule in the "
            "left upper lobe.", "size"),
    # negation of a finding (inside and outside the vocabulary)
    (MSK, "Non-displaced fracture of the distal radius. No soft tissue swelling.", "negation"),
    (NEURO, "Acute subdural hematoma over the left frontal lobe with midline shift.", "negation"),
    (ABDOMEN, "The appendix is abnormal.", "unsupported"),
    # Chinese
    (NEURO, "您的左侧额叶有一个12毫米的急性硬膜下血肿，大脑中线有移位。", "negation"),
    (ABDOMEN, "您的右肾有一个3.1厘米的复杂囊肿。", "diagnosis"),
    (MSK, "您的右手腕桡骨远端骨折，骨折有移位。", "negation"),
    (CHEST, "您的右肺下叶有一个6毫米的实性结节，还有胸膜斑块。", "diagnosis"),  # 斑块 is a term (guardff)
    (ABDOMEN, "您的右肾有一个3.1厘米的单纯囊肿，还有胆囊炎。", "diagnosis"),
    (MSK, "您的右手腕桡骨远端骨折，没有移位，韧带有损伤。", "diagnosis"),  # 损伤 is a term (guardff)
]


# Second development batch: patient language (English and Chinese), knee, stroke, appendix,
# pneumonia. Planted cases: any flag counts, as in the benchmark.
KNEE = ("EXAMINATION: MRI of the left knee. Indication: Twisting injury.\n"
 "FINDINGS: Complex tear of the posterior horn of the medial meniscus. The anterior cruciate ligament is intact. "
 "Moderate joint effusion. Grade 2 chondral thinning of the medial femoral condyle. No fracture.\n"
 "IMPRESSION: Complex tear of the medial meniscus posterior horn. Moderate joint effusion.")
STROKE = ("EXAMINATION: CT head without contrast. Indication: Sudden left arm weakness.\n"
 "FINDINGS: Hypodensity in the right middle cerebral artery territory, consistent with an acute infarct. "
 "No intracranial hemorrhage. No mass effect. The ventricles are normal in size.\n"
 "IMPRESSION: Acute right MCA territory infarct. No hemorrhage.")
APPY = ("EXAMINATION: CT abdomen and pelvis with IV contrast. Indication: Right lower quadrant pain.\n"
 "FINDINGS: The appendix is dilated to 11 mm with periappendiceal fat stranding, consistent with acute appendicitis. "
 "No abscess. No free air. The liver, spleen and pancreas are unremarkable.\n"
 "IMPRESSION: Acute appendicitis without abscess or perforation.")
PNEU = ("EXAMINATION: Chest radiograph. Indication: Fever and cough.\n"
 "FINDINGS: Consolidation in the right lower lobe. No pleural effusion. No pneumothorax. Heart size is normal.\n"
 "IMPRESSION: Right lower lobe pneumonia.")
CLEAN_2 = [
 (KNEE, "There is a complex tear in the posterior horn of the medial meniscus. The ACL is intact. There is a moderate knee joint effusion. No fracture is seen."),
 (KNEE, "Your knee MRI shows a tear in the cartilage cushion (meniscus) on the inner side of your left knee. There is moderate fluid in the joint. The bones are not broken."),
 (KNEE, "IMPRESSION: Medial meniscus posterior horn complex tear; moderate effusion of the joint."),
 (STROKE, "There is an area of low density in the right middle cerebral artery territory, in keeping with an acute infarct. There is no bleeding in the brain and no mass effect."),
 (STROKE, "Your head scan shows an area of recent stroke on the right side of the brain. There is no bleeding."),
 (STROKE, "IMPRESSION: Acute infarct in the right MCA territory. No intracranial hemorrhage."),
 (APPY, "The appendix is enlarged, measuring 11 mm, with inflammation of the surrounding fat, in keeping with acute appendicitis. There is no abscess or free air."),
 (APPY, "Your scan shows that your appendix is swollen and inflamed. This is called acute appendicitis. There is no pocket of pus and the appendix has not burst."),
 (APPY, "IMPRESSION: Acute appendicitis, no abscess or perforation."),
 (PNEU, "There is consolidation in the right lower lobe, compatible with pneumonia. There is no pleural effusion or pneumothorax. The heart is normal in size."),
 (PNEU, "Your chest X-ray shows an infection in the lower part of your right lung (pneumonia). There is no fluid around the lung and no collapsed lung."),
 (MSK, "Your X-ray shows a break in the radius bone near your right wrist. The broken bone has not moved out of place. There is some mild swelling."),
 (ABDOMEN, "Your scan shows a simple fluid-filled sac (cyst) on the right kidney, 3.1 cm in size. There is also a small 5 mm kidney stone on the left that is not blocking the flow of urine."),
 (NEURO, "Your head CT shows a collection of blood (subdural hematoma) on the left side, 12 mm thick. The brain has not been pushed to one side. The skull is not broken."),
 (CHEST, "Your CT shows two small spots in your lungs: one of 6 mm in the right lower lobe and one of 15 mm in the left upper lobe. There is a small amount of fluid around the right lung."),
 (KNEE, "您的左膝磁共振显示内侧半月板后角有复杂撕裂，前交叉韧带完好。关节内有中等量积液，没有骨折。"),
 (STROKE, "您的头部CT显示右侧大脑有急性脑梗死，没有脑出血。"),
 (APPY, "您的CT显示阑尾增粗，为急性阑尾炎，没有脓肿，也没有穿孔。"),
 (PNEU, "您的胸片显示右肺下叶有实变，考虑为肺炎。没有胸腔积液，也没有气胸。"),
]
PLANTED_2 = [
 (KNEE, "There is a simple tear of the posterior horn of the medial meniscus."),
 (KNEE, "The anterior cruciate ligament is torn. Moderate joint effusion."),
 (KNEE, "Small joint effusion. Complex tear of the medial meniscus."),
 (KNEE, "There is a bone bruise in the medial femoral condyle."),
 (KNEE, "Complex tear of the lateral meniscus."),
 (STROKE, "Acute infarct in the left middle cerebral artery territory."),
 (STROKE, "Acute infarct with hemorrhagic transformation."),
 (STROKE, "Acute right MCA infarct with mass effect."),
 (STROKE, "Chronic infarct in the right MCA territory."),
 (APPY, "Acute appendicitis with a small abscess."),
 (APPY, "The appendix is dilated to 11 mm with an appendicolith."),
 (APPY, "The appendix is dilated to 15 mm."),
 (PNEU, "Consolidation in the right lower lobe with a small pleural effusion."),
 (PNEU, "Right lower lobe consolidation and mild cardiomegaly."),
 (PNEU, "Consolidation in the right lower lobe, likely aspiration."),
 (KNEE, "您的左膝内侧半月板有简单撕裂。"),
 (STROKE, "您的头部CT显示右侧大脑有急性脑梗死，还有脑出血。"),
 (APPY, "您的阑尾发炎了，而且已经穿孔。"),
 (PNEU, "您的右肺下叶有肺炎，还有少量胸腔积液。"),
 (MSK, "Your X-ray shows a break in the radius bone near your right wrist. The bone has moved out of place."),
]

# Third batch, written before the fixes it led to: on first run 13/16 faithful texts were
# flagged and 29/32 planted errors caught (spine, embolism, liver, meningioma, ankle, shoulder,
# ureteric stone).
SPINE = ("EXAMINATION: MRI lumbar spine without contrast. Indication: Low back pain radiating to the left leg.\n"
 "FINDINGS: At L4-L5 there is a left paracentral disc extrusion compressing the traversing left L5 nerve root. "
 "Mild facet arthropathy at L5-S1. No spinal canal stenosis. Vertebral body heights are preserved.\n"
 "IMPRESSION: Left paracentral L4-L5 disc extrusion with compression of the left L5 nerve root.")
PE = ("EXAMINATION: CT pulmonary angiogram. Indication: Chest pain and tachycardia.\n"
 "FINDINGS: Filling defects in the right lower lobe segmental pulmonary arteries, consistent with acute pulmonary embolism. "
 "No right heart strain. No pleural effusion. Small left basal atelectasis.\n"
 "IMPRESSION: Acute right lower lobe segmental pulmonary embolism without right heart strain.")
LIVER = ("EXAMINATION: CT abdomen with IV contrast. Indication: Abnormal liver tests.\n"
 "FINDINGS: A 2.2 cm arterially enhancing lesion in segment 6 of the liver with washout on delayed images. "
 "The liver has a nodular contour, consistent with cirrhosis. Moderate splenomegaly. No ascites. The portal vein is patent.\n"
 "IMPRESSION: 2.2 cm arterially enhancing liver lesion with washout in a cirrhotic liver.")
MENING = ("EXAMINATION: MRI brain with and without contrast. Indication: Headaches.\n"
 "FINDINGS: A 2.5 cm extra-axial, homogeneously enhancing mass along the right frontal convexity with a dural tail, "
 "most consistent with a meningioma. Mild surrounding vasogenic edema. No midline shift. No hydrocephalus.\n"
 "IMPRESSION: 2.5 cm right frontal convexity meningioma with mild surrounding edema.")
ANKLE = ("EXAMINATION: Radiographs of the left ankle. Indication: Inversion injury.\n"
 "FINDINGS: Minimally displaced oblique fracture of the distal fibula at the level of the syndesmosis. "
 "The ankle mortise is congruent. No medial malleolar fracture. Moderate lateral soft tissue swelling.\n"
 "IMPRESSION: Minimally displaced distal fibular fracture.")
SHOULDER = ("EXAMINATION: MRI of the right shoulder. Indication: Pain on abduction.\n"
 "FINDINGS: Full-thickness tear of the supraspinatus tendon measuring 9 mm with 1 cm retraction. "
 "No muscle atrophy. Mild acromioclavicular joint osteoarthritis. Small subacromial bursal effusion.\n"
 "IMPRESSION: Full-thickness supraspinatus tear with 1 cm retraction.")
STONE = ("EXAMINATION: CT abdomen and pelvis without contrast. Indication: Right flank pain.\n"
 "FINDINGS: A 7 mm obstructing calculus in the proximal right ureter with moderate right hydronephrosis. "
 "A 3 mm non-obstructing calculus in the lower pole of the left kidney. The bladder is unremarkable.\n"
 "IMPRESSION: 7 mm obstructing proximal right ureteral calculus with moderate hydronephrosis.")
CLEAN_3 = [
 (SPINE, "At the L4-L5 level, a left paracentral disc extrusion compresses the traversing left L5 nerve root. There is mild facet arthropathy at L5-S1. The spinal canal is not stenosed."),
 (SPINE, "IMPRESSION: L4-L5 left paracentral disc extrusion compressing the left L5 nerve root."),
 (PE, "There are filling defects within the segmental arteries of the right lower lobe, in keeping with acute pulmonary emboli. There is no evidence of right heart strain. Minor atelectasis at the left lung base."),
 (PE, "IMPRESSION: Acute segmental pulmonary emboli in the right lower lobe. No right heart strain."),
 (LIVER, "In hepatic segment 6 there is a 2.2 cm lesion that enhances in the arterial phase and washes out on delayed images. The liver contour is nodular, in keeping with cirrhosis. The spleen is moderately enlarged. There is no ascites and the portal vein is patent."),
 (MENING, "There is a 2.5 cm homogeneously enhancing extra-axial mass along the right frontal convexity, with a dural tail, most in keeping with meningioma. There is mild vasogenic edema around it. There is no midline shift or hydrocephalus."),
 (ANKLE, "There is an oblique fracture of the distal fibula at the syndesmosis, minimally displaced. The mortise is congruent. No fracture of the medial malleolus. Moderate soft tissue swelling laterally."),
 (SHOULDER, "There is a 9 mm full-thickness supraspinatus tendon tear, retracted by 1 cm. The muscle is not atrophied. Mild osteoarthritis of the acromioclavicular joint. A small amount of fluid in the subacromial bursa."),
 (STONE, "There is a 7 mm calculus obstructing the proximal right ureter, causing moderate right-sided hydronephrosis. In the lower pole of the left kidney there is a 3 mm stone that is not obstructing. The urinary bladder is unremarkable."),
 (SPINE, "您的腰椎核磁共振显示，L4-L5椎间盘向左后方突出，压迫了左侧L5神经根。"),
 (PE, "您的CT显示右肺下叶的肺动脉分支里有血栓，也就是急性肺栓塞。心脏没有受到影响，没有胸腔积液。"),
 (LIVER, "您的肝脏有肝硬化，肝脏第6段有一个2.2厘米的病灶。脾脏中度增大，没有腹水。"),
 (MENING, "您的脑部磁共振显示，右侧额部有一个2.5厘米的脑膜瘤，周围有轻度水肿。脑中线没有移位，没有脑积水。"),
 (ANKLE, "您的左踝X光片显示腓骨远端有骨折，只有轻微移位。内踝没有骨折。外侧软组织中度肿胀。"),
 (SHOULDER, "您的右肩磁共振显示冈上肌腱全层撕裂，撕裂长9毫米，回缩1厘米。肩锁关节有轻度骨关节炎。"),
 (STONE, "您的右侧输尿管上段有一个7毫米的结石，堵住了尿液，引起右肾中度积水。左肾下极还有一个3毫米的小结石，没有造成堵塞。"),
]
PLANTED_3 = [
 (SPINE, "At L4-L5 there is a right paracentral disc extrusion compressing the right L5 nerve root."),
 (SPINE, "Mild facet arthropathy at L5-S1. Moderate spinal canal stenosis."),
 (SPINE, "Left paracentral L4-L5 disc extrusion with a sequestered fragment."),
 (SPINE, "Severe facet arthropathy at L5-S1."),
 (PE, "Acute pulmonary embolism with right heart strain."),
 (PE, "Filling defects in the left lower lobe segmental pulmonary arteries."),
 (PE, "Acute saddle pulmonary embolism."),
 (PE, "Small right basal atelectasis."),
 (LIVER, "A 2.2 cm arterially enhancing lesion in segment 6 of the liver without washout."),
 (LIVER, "Moderate splenomegaly with a small amount of ascites."),
 (LIVER, "Portal vein thrombosis. Cirrhotic liver."),
 (LIVER, "A 3.2 cm arterially enhancing lesion in segment 6."),
 (MENING, "A 2.5 cm extra-axial heterogeneously enhancing mass along the right frontal convexity."),
 (MENING, "Marked surrounding vasogenic edema with 4 mm midline shift."),
 (MENING, "A 2.5 cm meningioma along the left frontal convexity."),
 (ANKLE, "Markedly displaced oblique fracture of the distal fibula."),
 (ANKLE, "The ankle mortise is widened."),
 (ANKLE, "Oblique fracture of the distal fibula with an associated medial malleolar fracture."),
 (SHOULDER, "Partial-thickness tear of the supraspinatus tendon."),
 (SHOULDER, "Full-thickness supraspinatus tear with 1 cm retraction and fatty atrophy of the muscle."),
 (SHOULDER, "Full-thickness tear of the supraspinatus tendon measuring 9 cm."),
 (STONE, "A 3 mm obstructing calculus in the proximal right ureter and a 7 mm calculus in the left kidney."),
 (STONE, "A 7 mm obstructing calculus in the proximal right ureter with mild hydronephrosis."),
 (STONE, "A 7 mm non-obstructing calculus in the proximal right ureter."),
 (SPINE, "您的腰椎L4-L5椎间盘向右后方突出，压迫了右侧神经根。"),
 (PE, "您的肺动脉里有血栓，心脏也受到了影响，右心负荷加重。"),
 (LIVER, "您的肝脏有一个2.2厘米的病灶，还有少量腹水。"),
 (MENING, "您的右侧额部有一个2.5厘米的脑膜瘤，周围有严重水肿。"),
 (ANKLE, "您的左踝腓骨远端骨折，骨折明显移位，内踝也有骨折。"),
 (SHOULDER, "您的右肩冈上肌腱部分撕裂。"),
 (STONE, "您的左侧输尿管有一个7毫米的结石。"),
 (STONE, "您的右肾没有积水。"),
]

# Fourth batch (subarachnoid haemorrhage, rib fractures, cholecystitis, hip, bowel obstruction,
# pelvis CT with a renal cyst); first run: 8/16 faithful texts flagged, 24/24 planted caught.
SAH = ("EXAMINATION: CT head without contrast. Indication: Thunderclap headache.\n"
 "FINDINGS: Diffuse subarachnoid hemorrhage in the basal cisterns and the left Sylvian fissure. Mild enlargement of the temporal horns, suggesting early hydrocephalus. No intraparenchymal hematoma. No skull fracture.\n"
 "IMPRESSION: Diffuse subarachnoid hemorrhage with early hydrocephalus.")
RIBS = ("EXAMINATION: CT chest without contrast. Indication: Motor vehicle collision.\n"
 "FINDINGS: Acute non-displaced fractures of the left 5th and 6th ribs. Small left pneumothorax measuring 8 mm. No hemothorax. No pulmonary contusion. The heart and mediastinum are normal.\n"
 "IMPRESSION: Left 5th and 6th rib fractures with a small left pneumothorax.")
GB = ("EXAMINATION: CT abdomen with IV contrast. Indication: Epigastric pain and fever.\n"
 "FINDINGS: Distended gallbladder with multiple gallstones and gallbladder wall thickening to 5 mm, with pericholecystic fluid, consistent with acute cholecystitis. The common bile duct is not dilated. No liver abscess.\n"
 "IMPRESSION: Acute calculous cholecystitis.")
HIP = ("EXAMINATION: Radiographs of the pelvis and right hip. Indication: Chronic hip pain.\n"
 "FINDINGS: Severe right hip osteoarthritis with joint space narrowing, subchondral sclerosis and osteophytes. Mild left hip osteoarthritis. No fracture. No lytic or sclerotic lesion.\n"
 "IMPRESSION: Severe right hip osteoarthritis.")
SBO = ("EXAMINATION: CT abdomen and pelvis with IV contrast. Indication: Vomiting and distension.\n"
 "FINDINGS: Dilated small bowel loops up to 3.5 cm with a transition point in the right lower quadrant, consistent with small bowel obstruction, likely from adhesions. No free air. No pneumatosis. Small amount of free fluid in the pelvis.\n"
 "IMPRESSION: Small bowel obstruction with a transition point in the right lower quadrant.")
PELVIS = ("EXAMINATION: CT pelvis with IV contrast. Indication: Pelvic pain.\n"
 "FINDINGS: A 4.5 cm simple cyst in the lower pole of the left kidney. The uterus and ovaries are unremarkable. No free fluid. No pelvic lymphadenopathy.\n"
 "IMPRESSION: 4.5 cm simple left renal cyst. No acute pelvic abnormality.")
CLEAN_4 = [
 (SAH, "There is diffuse subarachnoid haemorrhage in the basal cisterns and in the left Sylvian fissure. The temporal horns are mildly enlarged, which suggests early hydrocephalus. There is no hematoma in the brain tissue and no skull fracture."),
 (SAH, "Your head CT shows bleeding in the space around the brain (subarachnoid hemorrhage). The fluid spaces in the brain are slightly enlarged, which may be early hydrocephalus. The skull is not fractured."),
 (RIBS, "There are acute, non-displaced fractures of the left fifth and sixth ribs, with a small 8 mm left pneumothorax. No hemothorax or pulmonary contusion. The heart and mediastinum are normal."),
 (RIBS, "IMPRESSION: Fractures of the 5th and 6th ribs on the left, and a small left-sided pneumothorax."),
 (GB, "The gallbladder is distended and contains multiple gallstones; its wall is thickened to 5 mm and there is fluid around it, in keeping with acute cholecystitis. The common bile duct is of normal caliber. No abscess in the liver."),
 (GB, "Your scan shows that your gallbladder is inflamed (acute cholecystitis). There are several gallstones inside it."),
 (HIP, "Advanced osteoarthritis of the right hip, with narrowing of the joint space, subchondral sclerosis and osteophyte formation. The left hip shows mild osteoarthritis. No fracture or focal bone lesion."),
 (SBO, "The small bowel loops are dilated up to 3.5 cm, with a transition point in the right lower quadrant, in keeping with small bowel obstruction, probably due to adhesions. There is no free air or pneumatosis. A small amount of free fluid is present in the pelvis."),
 (PELVIS, "In the lower pole of the left kidney there is a simple cyst measuring 4.5 cm. The uterus and both ovaries look normal. There is no free fluid and there are no enlarged lymph nodes in the pelvis."),
 (SAH, "您的头部CT显示大脑周围的蛛网膜下腔有弥漫性出血，脑室稍微扩大，可能是早期脑积水。没有颅骨骨折。"),
 (RIBS, "您左侧第5和第6根肋骨骨折，没有移位。左侧有少量气胸，约8毫米。"),
 (GB, "您的胆囊发炎了（急性胆囊炎），里面有多个胆结石，胆囊壁增厚到5毫米。"),
 (HIP, "您的右髋有严重的骨关节炎，左髋有轻度骨关节炎。没有骨折。"),
 (SBO, "您的小肠有梗阻，可能是粘连引起的。没有肠穿孔。盆腔有少量积液。"),
 (PELVIS, "您的左肾下极有一个4.5厘米的单纯囊肿。子宫和卵巢正常，没有腹水。"),
]
PLANTED_4 = [
 (SAH, "Diffuse subarachnoid hemorrhage in the basal cisterns and the right Sylvian fissure."),
 (SAH, "Diffuse subarachnoid hemorrhage with a large intraparenchymal hematoma."),
 (SAH, "Focal subarachnoid hemorrhage in the left Sylvian fissure."),
 (SAH, "Diffuse subarachnoid hemorrhage with severe hydrocephalus."),
 (RIBS, "Acute displaced fractures of the left 5th and 6th ribs."),
 (RIBS, "Left 5th and 6th rib fractures with a small left hemothorax."),
 (RIBS, "Small left pneumothorax measuring 18 mm."),
 (RIBS, "Left 5th and 6th rib fractures with a left flail segment."),
 (GB, "Distended gallbladder without gallstones, consistent with acalculous cholecystitis."),
 (GB, "The common bile duct is dilated."),
 (GB, "Gallbladder wall thickening with intramural gas, consistent with emphysematous cholecystitis."),
 (HIP, "Mild right hip osteoarthritis."),
 (HIP, "Severe left hip osteoarthritis."),
 (SBO, "Small bowel obstruction with a transition point in the left lower quadrant."),
 (SBO, "Small bowel obstruction with pneumatosis."),
 (PELVIS, "A 4.5 cm complex cyst in the lower pole of the left kidney."),
 (PELVIS, "A 4.5 cm simple cyst in the left kidney. A 3 cm left ovarian cyst."),
 (SAH, "您的大脑周围有出血，还有一个脑内血肿。"),
 (RIBS, "您左侧第5和第6根肋骨骨折，骨折有移位。"),
 (GB, "您的胆囊发炎了，胆囊已经穿孔。"),
 (HIP, "您的左髋有严重的骨关节炎。"),
 (SBO, "您的小肠有梗阻，肠子已经坏死。"),
 (PELVIS, "您的左肾有一个4.5厘米的复杂囊肿。"),
 (PELVIS, "您的右肾有一个4.5厘米的囊肿。"),
]

# Fifth batch (thyroid, adrenal, lung mass, vertebral fracture); first run: 7/12 faithful texts
# flagged, 17/20 planted caught.
THY = ("EXAMINATION: CT neck with IV contrast. Indication: Neck swelling.\n"
 "FINDINGS: A 1.8 cm heterogeneous nodule in the right thyroid lobe with coarse calcifications. No cervical lymphadenopathy. The airway is patent.\n"
 "IMPRESSION: 1.8 cm right thyroid nodule with coarse calcifications; ultrasound correlation is recommended.")
ADR = ("EXAMINATION: CT abdomen without contrast. Indication: Hypertension.\n"
 "FINDINGS: A 1.6 cm left adrenal nodule with an attenuation of 5 HU, consistent with a lipid-rich adenoma. The right adrenal gland is normal. No renal artery stenosis is evident.\n"
 "IMPRESSION: 1.6 cm left adrenal adenoma.")
LUNGCA = ("EXAMINATION: CT chest with IV contrast. Indication: Hemoptysis.\n"
 "FINDINGS: A 4.2 cm spiculated mass in the left upper lobe abutting the pleura. Enlarged left hilar lymph node measuring 1.5 cm. No pleural effusion. No bone lesions.\n"
 "IMPRESSION: 4.2 cm spiculated left upper lobe mass with left hilar lymphadenopathy, suspicious for malignancy.")
VERT = ("EXAMINATION: MRI thoracolumbar spine. Indication: Back pain after minor fall.\n"
 "FINDINGS: Acute compression fracture of the L1 vertebral body with 30% height loss and bone marrow edema. No retropulsion. The spinal cord is normal. No epidural hematoma.\n"
 "IMPRESSION: Acute L1 compression fracture with 30% height loss, without retropulsion.")
CLEAN_5 = [
 (THY, "There is a 1.8 cm heterogeneous right thyroid nodule containing coarse calcifications. No enlarged cervical lymph nodes. Patent airway."),
 (THY, "IMPRESSION: Right thyroid nodule, 1.8 cm, with coarse calcification. Ultrasound correlation recommended."),
 (ADR, "There is a 1.6 cm nodule in the left adrenal gland measuring 5 HU, compatible with a lipid-rich adenoma. Normal right adrenal. There is no evidence of renal artery stenosis."),
 (ADR, "Your scan shows a small 1.6 cm growth on your left adrenal gland. It looks like a harmless adenoma."),
 (LUNGCA, "There is a spiculated 4.2 cm mass in the left upper lobe that abuts the pleura, with an enlarged 1.5 cm left hilar lymph node. There is no pleural effusion and no bone lesion."),
 (LUNGCA, "IMPRESSION: Spiculated left upper lobe mass (4.2 cm) and left hilar lymphadenopathy, suspicious for cancer."),
 (VERT, "There is an acute compression fracture of the L1 vertebral body with 30% loss of height and marrow edema. There is no retropulsion. The spinal cord is normal and there is no epidural hematoma."),
 (THY, "您的右侧甲状腺有一个1.8厘米的结节，里面有粗大的钙化。颈部没有肿大的淋巴结。"),
 (ADR, "您的左侧肾上腺有一个1.6厘米的结节，考虑为良性腺瘤。右侧肾上腺正常。"),
 (LUNGCA, "您的左肺上叶有一个4.2厘米的肿块，边缘有毛刺，左侧肺门有一个1.5厘米的肿大淋巴结，需要考虑恶性可能。没有胸腔积液。"),
 (VERT, "您的腰椎L1椎体有急性压缩性骨折，椎体高度丢失了30%。脊髓正常，没有硬膜外血肿。"),
]
PLANTED_5 = [
 (THY, "A 1.8 cm heterogeneous nodule in the left thyroid lobe."),
 (THY, "A 1.8 cm homogeneous nodule in the right thyroid lobe."),
 (THY, "1.8 cm right thyroid nodule with cervical lymphadenopathy."),
 (THY, "A 1.8 cm right thyroid nodule with tracheal deviation."),
 (ADR, "A 1.6 cm left adrenal nodule with an attenuation of 35 HU."),
 (ADR, "A 1.6 cm left adrenal nodule, consistent with a pheochromocytoma."),
 (ADR, "The right adrenal gland is enlarged."),
 (LUNGCA, "A 1.5 cm spiculated mass in the left upper lobe with a 4.2 cm left hilar lymph node."),
 (LUNGCA, "A 4.2 cm smooth mass in the left upper lobe."),
 (LUNGCA, "A 4.2 cm spiculated mass invading the chest wall."),
 (LUNGCA, "4.2 cm mass with lytic bone lesions."),
 (VERT, "Chronic compression fracture of L1 with 30% height loss."),
 (VERT, "Acute L1 compression fracture with retropulsion."),
 (VERT, "Acute L1 compression fracture with 50% height loss."),
 (VERT, "Acute L1 burst fracture."),
 (THY, "您的右侧甲状腺有一个1.8厘米的结节，颈部还有肿大的淋巴结。"),
 (ADR, "您的右侧肾上腺有一个1.6厘米的腺瘤。"),
 (LUNGCA, "您的左肺上叶有一个4.2厘米的肿块，已经转移到骨头。"),
 (VERT, "您的L1椎体有陈旧性压缩性骨折。"),
]

# Sixth batch, words outside the lists (cavernoma, Baker cyst, hemangioma, lipoma); first run:
# 9/12 faithful texts flagged, 18/19 planted caught.
CAV = ("EXAMINATION: MRI brain without contrast. Indication: Seizure.\n"
 "FINDINGS: A 9 mm cavernoma in the right temporal lobe with a hemosiderin rim. No surrounding edema. No acute infarct. The ventricles are normal. Incidental 6 mm pineal cyst.\n"
 "IMPRESSION: Right temporal cavernoma without edema. Incidental pineal cyst.")
BAKER = ("EXAMINATION: Ultrasound of the right knee. Indication: Posterior knee swelling.\n"
 "FINDINGS: A 4 cm simple Baker cyst in the popliteal fossa. No rupture. No deep vein thrombosis in the popliteal vein. Small knee joint effusion.\n"
 "IMPRESSION: 4 cm simple Baker cyst without rupture. No deep vein thrombosis.")
HEP = ("EXAMINATION: CT abdomen with IV contrast. Indication: Incidental liver lesion.\n"
 "FINDINGS: A 2.8 cm lesion in segment 7 of the liver with peripheral nodular enhancement and progressive centripetal fill-in, typical of a hemangioma. A 1 cm splenule near the splenic hilum. Small hiatal hernia.\n"
 "IMPRESSION: 2.8 cm hepatic hemangioma. No suspicious liver lesion.")
LIPOMA = ("EXAMINATION: MRI of the left thigh. Indication: Palpable lump.\n"
 "FINDINGS: A 7 cm well-circumscribed fat-containing mass within the vastus lateralis muscle without thick septa or nodular components, consistent with an intramuscular lipoma. No bone involvement. No edema.\n"
 "IMPRESSION: 7 cm intramuscular lipoma of the left vastus lateralis.")
CLEAN_6 = [
 (CAV, "There is a 9 mm cavernoma with a hemosiderin rim in the right temporal lobe, without surrounding edema. No acute infarction. Normal ventricles. A 6 mm pineal cyst is an incidental finding."),
 (CAV, "Your brain MRI shows a small 9 mm cluster of abnormal blood vessels (a cavernoma) on the right side of the brain. There is no swelling around it."),
 (BAKER, "There is a 4 cm simple Baker's cyst in the popliteal fossa without rupture. No DVT in the popliteal vein. A small effusion is present in the knee joint."),
 (BAKER, "IMPRESSION: Simple 4 cm Baker cyst, not ruptured. No deep venous thrombosis."),
 (HEP, "In segment 7 of the liver there is a 2.8 cm lesion showing peripheral nodular enhancement with progressive centripetal filling, typical for a hemangioma. There is a 1 cm splenule at the splenic hilum and a small hiatus hernia."),
 (HEP, "Your CT shows a 2.8 cm harmless blood vessel growth in the liver, called a hemangioma. There is also a small hiatal hernia."),
 (LIPOMA, "There is a well-circumscribed 7 cm fatty mass in the vastus lateralis muscle without thick septa or nodular components, in keeping with an intramuscular lipoma. The bone is not involved and there is no edema."),
 (LIPOMA, "IMPRESSION: Intramuscular lipoma, 7 cm, in the left vastus lateralis."),
 (CAV, "您的脑部磁共振显示右侧颞叶有一个9毫米的海绵状血管瘤，周围没有水肿。另外有一个6毫米的松果体囊肿。"),
 (BAKER, "您的右膝后面有一个4厘米的单纯性腘窝囊肿，没有破裂，也没有深静脉血栓。膝关节有少量积液。"),
 (HEP, "您的肝脏第7段有一个2.8厘米的血管瘤，这是良性的。另外有一个小的食管裂孔疝。"),
 (LIPOMA, "您左大腿的股外侧肌里有一个7厘米的脂肪瘤，边界清楚，骨头没有受累。"),
]
PLANTED_6 = [
 (CAV, "A 9 mm cavernoma in the left temporal lobe."),
 (CAV, "A 9 mm cavernoma in the right temporal lobe with surrounding edema."),
 (CAV, "A 9 mm cavernoma in the right temporal lobe with recent hemorrhage."),
 (CAV, "Incidental 6 mm pineal cyst and a 3 mm arachnoid cyst."),
 (CAV, "A 6 mm cavernoma in the right temporal lobe and a 9 mm pineal cyst."),
 (BAKER, "A 4 cm complex Baker cyst in the popliteal fossa."),
 (BAKER, "A 4 cm simple Baker cyst with rupture."),
 (BAKER, "Deep vein thrombosis in the popliteal vein."),
 (BAKER, "Large knee joint effusion."),
 (HEP, "A 2.8 cm lesion in segment 7 of the liver with arterial enhancement and washout."),
 (HEP, "A 2.8 cm hepatic hemangioma and a 1 cm hepatic cyst."),
 (HEP, "A large hiatal hernia."),
 (LIPOMA, "A 7 cm mass with thick septa and nodular components, concerning for liposarcoma."),
 (LIPOMA, "A 7 cm intramuscular lipoma with bone involvement."),
 (LIPOMA, "A 7 cm intramuscular lipoma of the right vastus lateralis."),
 (CAV, "您的右侧颞叶有一个9毫米的海绵状血管瘤，周围有水肿。"),
 (BAKER, "您的右膝后面有一个4厘米的腘窝囊肿，已经破裂了。"),
 (HEP, "您的肝脏第7段有一个2.8厘米的肝癌。"),
 (LIPOMA, "您左大腿的肌肉里有一个7厘米的脂肪肉瘤。"),
]

# Seventh batch (intracerebral haemorrhage, pneumothorax, renal mass, Achilles rupture); first
# run: 7/12 faithful texts flagged, 15/17 planted caught.
ICH = ("EXAMINATION: CT head without contrast. Indication: Sudden confusion, on anticoagulation.\n"
 "FINDINGS: A 3.2 cm acute intraparenchymal hemorrhage in the left basal ganglia with surrounding edema and 4 mm rightward midline shift. Intraventricular extension into the left lateral ventricle. No hydrocephalus.\n"
 "IMPRESSION: 3.2 cm acute left basal ganglia hemorrhage with intraventricular extension and 4 mm midline shift.")
PNX = ("EXAMINATION: Chest radiograph. Indication: Sudden pleuritic chest pain.\n"
 "FINDINGS: Large right pneumothorax with 4 cm apical separation. No mediastinal shift. The left lung is clear. No rib fracture.\n"
 "IMPRESSION: Large right pneumothorax without tension.")
RCC = ("EXAMINATION: CT abdomen with IV contrast. Indication: Hematuria.\n"
 "FINDINGS: A 3.6 cm solid enhancing mass in the interpolar region of the right kidney, suspicious for renal cell carcinoma. The renal vein is patent. No retroperitoneal lymphadenopathy. The left kidney is normal.\n"
 "IMPRESSION: 3.6 cm enhancing right renal mass, suspicious for renal cell carcinoma.")
ACH = ("EXAMINATION: MRI of the right ankle. Indication: Pop during sprinting.\n"
 "FINDINGS: Complete rupture of the Achilles tendon 5 cm above the calcaneal insertion with a 2 cm gap. Mild retrocalcaneal bursitis. No fracture.\n"
 "IMPRESSION: Complete Achilles tendon rupture with a 2 cm gap.")
CLEAN_7 = [
 (ICH, "In the left basal ganglia there is an acute intraparenchymal haemorrhage measuring 3.2 cm, with perilesional edema and a 4 mm midline shift to the right. Blood extends into the left lateral ventricle. There is no hydrocephalus."),
 (ICH, "IMPRESSION: Acute hemorrhage of the left basal ganglia (3.2 cm), extending into the ventricles, with 4 mm of midline shift."),
 (PNX, "There is a large pneumothorax on the right, with the lung edge 4 cm from the apex. The mediastinum is not shifted. The left lung is clear and there is no rib fracture."),
 (PNX, "Your chest X-ray shows a large collapsed lung on the right side (pneumothorax). There is no broken rib."),
 (RCC, "The interpolar right kidney contains a 3.6 cm solid, enhancing mass that is suspicious for renal cell carcinoma. The renal vein is patent and there are no enlarged retroperitoneal lymph nodes. Normal left kidney."),
 (RCC, "IMPRESSION: Enhancing 3.6 cm mass in the right kidney, suspicious for renal cell carcinoma."),
 (ACH, "The Achilles tendon is completely ruptured about 5 cm above its insertion on the calcaneus, with a 2 cm gap between the tendon ends. There is mild retrocalcaneal bursitis. No fracture is seen."),
 (ACH, "Your MRI shows that the Achilles tendon in your right ankle is completely torn, with a 2 cm gap. No bones are broken."),
 (ICH, "您的头部CT显示左侧基底节有一个3.2厘米的急性脑出血，周围有水肿，中线向右移位4毫米。出血已经进入左侧脑室。没有脑积水。"),
 (PNX, "您的胸片显示右侧有大量气胸。没有肋骨骨折。"),
 (RCC, "您的右肾有一个3.6厘米的实性肿块，需要怀疑肾癌。左肾正常。"),
 (ACH, "您右脚踝的跟腱完全断裂，断端之间有2厘米的间隙。没有骨折。"),
]
PLANTED_7 = [
 (ICH, "A 3.2 cm acute hemorrhage in the right basal ganglia."),
 (ICH, "A 3.2 cm acute intraparenchymal hemorrhage in the left basal ganglia without surrounding edema."),
 (ICH, "Acute left basal ganglia hemorrhage with 4 mm midline shift and obstructive hydrocephalus."),
 (ICH, "A 4 cm acute intraparenchymal hemorrhage in the left basal ganglia with 3.2 mm midline shift."),
 (PNX, "Small right pneumothorax."),
 (PNX, "Large right tension pneumothorax with mediastinal shift."),
 (PNX, "Large right pneumothorax with a displaced rib fracture."),
 (RCC, "A 3.6 cm cystic mass in the right kidney."),
 (RCC, "A 3.6 cm solid enhancing mass in the right kidney with tumor thrombus in the renal vein."),
 (RCC, "A 3.6 cm solid enhancing mass in the left kidney."),
 (ACH, "Partial rupture of the Achilles tendon."),
 (ACH, "Complete rupture of the Achilles tendon with a 5 cm gap."),
 (ACH, "Complete Achilles tendon rupture and a calcaneal avulsion fracture."),
 (ICH, "您的左侧基底节有出血，但是周围没有水肿。"),
 (PNX, "您的右侧有少量气胸。"),
 (RCC, "您的右肾有一个3.6厘米的良性囊肿。"),
 (ACH, "您的跟腱部分撕裂。"),
]

@pytest.mark.parametrize(
    ("source", "text"), CLEAN + CLEAN_2 + CLEAN_3 + CLEAN_4 + CLEAN_5 + CLEAN_6 + CLEAN_7)
def test_faithful_rewordings_pass(source: str, text: str) -> None:
    assert check(source, text) == []


@pytest.mark.parametrize(("source", "text", "kind"), PLANTED)
def test_planted_errors_are_flagged(source: str, text: str, kind: str) -> None:
    flags = check(source, text)
    assert kind in {f.kind.value for f in flags}, flags


def test_swapped_sizes_name_the_lesion_size() -> None:
    text = "A 15 mm solid nodule in the right lower lobe and a 6 mm ground-glass nodule in the left upper lobe."
    flags = check(CHEST, text)
    assert {f.span for f in flags if f.kind is FlagKind.SIZE} == {"15", "6"}


def test_descriptor_given_to_another_lesion_is_flagged() -> None:
    src = "A 4 mm simple cyst in the left kidney. A 2 cm complex cyst in the right kidney."
    flags = check(src, "A 4 mm complex cyst in the left kidney.")
    assert [f.kind for f in flags] == [FlagKind.DESCRIPTOR]
    assert check(src, "The left kidney has a simple 4 mm cyst; the right one a complex 2 cm cyst.") == []


def test_unknown_word_negation_flip() -> None:
    src = "No soft tissue gas. Mild subcutaneous stranding."
    assert [f.kind for f in check(src, "Soft tissue gas is present.")] == [FlagKind.NEGATION]
    assert [f.kind for f in check(src, "No subcutaneous stranding.")] == [FlagKind.NEGATION]
    assert check(src, "There is no gas in the soft tissues. Mild subcutaneous stranding.") == []


def test_chinese_unknown_clinical_word_is_flagged() -> None:
    flags = check(NEURO, "您的大脑有脑疝。")
    # 疝 (hernia) became a term on branch guardff: flagged as a diagnosis the report lacks
    assert {FlagKind.UNSUPPORTED, FlagKind.DIAGNOSIS} & {f.kind for f in flags}


def test_general_check_is_fast() -> None:
    facts = SourceFacts.of(ABDOMEN)
    text = CLEAN[5][1] * 3
    t0 = time.perf_counter()
    for _ in range(10):
        check(facts, text)
    assert (time.perf_counter() - t0) / 10 < 0.5  # generous bound; bench measures the real figure


@pytest.mark.parametrize(
    ("source", "text"), PLANTED_2 + PLANTED_3 + PLANTED_4 + PLANTED_5 + PLANTED_6 + PLANTED_7)
def test_planted_errors_second_batch_are_flagged(source: str, text: str) -> None:
    assert check(source, text), text


def test_plain_words_for_a_negated_implication() -> None:
    # "free air" implies a perforation ("hole"), negated with it (issue 11, branch guardff; was a
    # strict xfail before the implied words kept the polarity of the finding that implies them)
    assert check(SBO, "Your CT shows a blockage of the small intestine. There is no hole in the bowel.") == []
    assert check(SBO, "Your CT shows a blockage of the small intestine. There is a hole in the bowel.")


def test_plain_place_phrase_lower_back() -> None:
    # a lay phrase (guard_vocabulary.toml lay_phrases) stands for "lumbar" (was a strict xfail)
    assert check(VERT, "A new compression fracture of the L1 vertebra in your lower back.") == []


def test_invented_effect_on_a_normal_structure_zh() -> None:
    # was a strict xfail; cord compression (压迫脊髓) is a term since branch guardff
    assert check(VERT, "您的L1椎体骨折压迫了脊髓。")
