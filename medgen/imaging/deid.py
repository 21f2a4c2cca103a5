"""De-identification: DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile.

:func:`deidentify` returns a new dataset; its input is never modified. It runs at ingest, before
anything is shown, logged or stored. What it does (PS3.15 Table E.1-1 actions):

* **X (remove)** every attribute of the profile that identifies the patient, the staff, the
  institution, the device or the visit (names, IDs, addresses, telephone numbers, comments,
  free-text descriptions, request/procedure-step data, the icon image, digital signatures,
  curves and overlay planes, ...), plus, as a safety net, *every* element anywhere in the
  dataset (including nested sequences) whose VR is PN (a person's name).
* **Z (empty)** the type 2 attributes the IODs require to be present: Patient's Name,
  Patient ID, Patient's Birth Date, Patient's Sex, Referring Physician's Name, Study ID,
  Accession Number, Study Date and Study Time.
* **Dates and times**: removed, not shifted. Every DA, DT and TM element anywhere is removed
  (the type 2 ones above are emptied). A shift would need a per-patient offset register to stay
  consistent across uploads, and the viewer has no use for dates; removing them is the
  profile's default action for the attributes it lists.
* **U (replace UIDs)** every instance UID (study, series, SOP instance, frame of reference,
  referenced instances, media storage, ...): any UI value that is not a UID registered in the
  DICOM standard (SOP classes, transfer syntaxes, coding schemes stay) is replaced by
  ``2.25.<integer>`` derived with HMAC-SHA256 from a per-installation secret salt, so the same
  original always maps to the same replacement on this installation (a series stays a series)
  but the mapping cannot be reversed or recomputed without the salt.
* **C (clean) Contrast/Bolus Agent**: the agent's name is kept (the report needs it) when it
  is short plain text that contains no part of any person name in the dataset; otherwise it is
  replaced by the dummy ``CONTRAST`` (action D), which still records that an agent was given.
* **Private tags**: all removed (no Retain Safe Private option).
* Adds Patient Identity Removed = YES, De-identification Method, and De-identification
  Method Code Sequence (DCM 113100 "Basic Application Confidentiality Profile").

Burned-in annotation (text in the pixels) cannot be removed by an attribute profile; the
ingest refuses objects that declare ``BurnedInAnnotation = YES`` (see :mod:`medgen.imaging.dicom`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import UID_dictionary

log = logging.getLogger(__name__)

#: File (under Settings.data_dir) holding the per-installation secret used for UID replacement.
SALT_FILE = "deid_salt.key"

PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")
METHOD_TEXT = "DICOM PS3.15 E.1 Basic Profile; dates removed; MedGen Studio"

#: Type 2 attributes kept present but emptied (action Z or Z/D in Table E.1-1).
EMPTY_KEYWORDS: frozenset[str] = frozenset({
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "ReferringPhysicianName",
    "StudyID", "AccessionNumber", "StudyDate", "StudyTime",
})

#: Attributes removed (actions X, X/Z, X/D, X/Z/D, D of Table E.1-1 that the viewer has no use
#: for). Person names, dates and times are also removed by VR (see module docstring).
REMOVE_KEYWORDS: frozenset[str] = frozenset({
    # patient
    "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames", "PatientBirthName",
    "PatientBirthTime", "PatientAddress", "PatientAge", "PatientSize", "PatientWeight",
    "PatientTelephoneNumbers", "PatientTelecomInformation", "PatientMotherBirthName",
    "PatientReligiousPreference", "PatientInsurancePlanCodeSequence", "PatientComments",
    "PatientState", "PatientTransportArrangements", "PatientInstitutionResidence",
    "PatientPrimaryLanguageCodeSequence", "PatientPrimaryLanguageModifierCodeSequence",
    "PatientSexNeutered", "IssuerOfPatientID", "IssuerOfPatientIDQualifiersSequence",
    "MedicalRecordLocator", "MilitaryRank", "BranchOfService", "Occupation", "EthnicGroup",
    "CountryOfResidence", "RegionOfResidence", "MedicalAlerts", "Allergies",
    "AdditionalPatientHistory", "PregnancyStatus", "LastMenstrualDate", "SmokingStatus",
    "SpecialNeeds", "ResponsiblePerson", "ResponsibleOrganization", "InsurancePlanIdentification",
    "ReferencedPatientSequence", "ReferencedPatientAliasSequence", "ReferencedPatientPhotoSequence",
    "PatientSetupPhotoDescription", "ConfidentialityConstraintOnPatientDataDescription",
    "PersonIdentificationCodeSequence", "PersonAddress", "PersonTelephoneNumbers",
    "PersonTelecomInformation",
    # visit, admission, order
    "AdmissionID", "IssuerOfAdmissionID", "IssuerOfAdmissionIDSequence", "AdmittingDiagnosesDescription",
    "AdmittingDiagnosesCodeSequence", "DischargeDiagnosisDescription", "ServiceEpisodeID",
    "ServiceEpisodeDescription", "IssuerOfServiceEpisodeID", "IssuerOfServiceEpisodeIDSequence",
    "CurrentPatientLocation", "VisitComments", "ReasonForVisit", "ReasonForVisitCodeSequence",
    "ScheduledPatientInstitutionResidence", "PlacerOrderNumberImagingServiceRequest",
    "FillerOrderNumberImagingServiceRequest", "OrderEnteredBy", "OrderEntererLocation",
    "OrderCallbackPhoneNumber", "OrderCallbackTelecomInformation", "ReasonForStudy",
    "ReasonForTheImagingServiceRequest", "ReasonForTheRequestedProcedure",
    "ReasonForRequestedProcedureCodeSequence", "RequestedProcedureComments",
    "RequestedProcedureID", "RequestedProcedureLocation", "RequestedProcedureDescription",
    "RequestedContrastAgent", "RequestingPhysician", "RequestingService",
    "RequestAttributesSequence", "ImagingServiceRequestComments", "NamesOfIntendedRecipientsOfResults",
    "IntendedRecipientsOfResultsIdentificationSequence", "StudyIDIssuer", "StudyComments",
    "ScheduledStudyLocation", "ScheduledStudyLocationAETitle",
    # staff and institution
    "InstitutionName", "InstitutionAddress", "InstitutionCodeSequence",
    "InstitutionalDepartmentName", "InstitutionalDepartmentTypeCodeSequence",
    "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
    "ReferringPhysicianIdentificationSequence", "ConsultingPhysicianName",
    "ConsultingPhysicianIdentificationSequence", "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence", "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "OperatorsName",
    "OperatorIdentificationSequence", "ActualHumanPerformersSequence",
    "ScheduledHumanPerformersSequence", "HumanPerformerName", "HumanPerformerOrganization",
    "ScheduledPerformingPhysicianName", "ScheduledPerformingPhysicianIdentificationSequence",
    "VerifyingObserverName", "VerifyingObserverSequence", "VerifyingOrganization",
    "VerifyingObserverIdentificationCodeSequence", "AuthorObserverSequence",
    "ParticipantSequence", "CustodialOrganizationSequence", "ContentCreatorName",
    "ContentCreatorIdentificationCodeSequence", "ReviewerName", "CameraOwnerName",
    # device and station
    "StationName", "StationAETitle", "RetrieveAETitle", "NetworkID", "DeviceSerialNumber",
    "DeviceUID", "DeviceDescription", "LongDeviceDescription", "DetectorID", "GantryID",
    "GeneratorID", "CassetteID", "PlateID", "UniqueDeviceIdentifier", "UDISequence",
    "ModifyingDeviceID", "SourceSerialNumber", "XRayDetectorID", "XRaySourceID",
    "XRayDetectorLabel", "TransducerIdentificationSequence", "LensMake", "LensModel",
    "LensSerialNumber", "LensSpecification", "MakerNote", "PerformedStationAETitle",
    "PerformedStationName", "PerformedStationNameCodeSequence",
    "PerformedStationGeographicLocationCodeSequence", "PerformedLocation",
    "ScheduledStationAETitle", "ScheduledStationName", "ScheduledStationNameCodeSequence",
    "ScheduledStationGeographicLocationCodeSequence", "ScheduledProcedureStepLocation",
    "TreatmentMachineName",
    # procedure steps, descriptions, comments, free text
    "StudyDescription", "SeriesDescription", "ProtocolName", "PerformedProcedureStepID",
    "PerformedProcedureStepDescription", "CommentsOnThePerformedProcedureStep",
    "ScheduledProcedureStepID", "ScheduledProcedureStepDescription",
    "ReferencedPerformedProcedureStepSequence", "ReferencedStudySequence",
    "AcquisitionComments", "AcquisitionProtocolDescription", "AcquisitionContextSequence",
    "AcquisitionDeviceProcessingDescription", "DerivationDescription",
    "ImageComments", "FrameComments", "ImagePresentationComments", "IdentifyingComments",
    "CommentsOnRadiationDose", "TextComments", "TextString", "Arbitrary", "ResultsComments",
    "InterpretationText", "InterpretationDiagnosisDescription", "InterpretationAuthor",
    "InterpretationRecorder", "InterpretationTranscriber", "InterpretationApproverSequence",
    "PhysicianApprovingInterpretation", "InterpretationID", "InterpretationIDIssuer",
    "ResultsID", "ResultsIDIssuer", "ResultsDistributionListSequence", "Impressions",
    "DistributionName", "DistributionAddress", "RequestedSeriesDescription",
    "ModifiedImageDescription", "PreMedication", "LabelText", "BarcodeValue",
    "SpecimenAccessionNumber", "SpecimenIdentifier", "SpecimenShortDescription",
    "SpecimenDetailedDescription", "SlideIdentifier", "ContainerIdentifier",
    "ContainerDescription", "ContainerComponentID", "ClinicalTrialSponsorName",
    "ClinicalTrialProtocolID", "ClinicalTrialProtocolName", "ClinicalTrialSiteID",
    "ClinicalTrialSiteName", "ClinicalTrialSubjectID", "ClinicalTrialSubjectReadingID",
    "ClinicalTrialTimePointID", "ClinicalTrialTimePointDescription",
    "ClinicalTrialCoordinatingCenterName", "ClinicalTrialProtocolEthicsCommitteeName",
    "ClinicalTrialProtocolEthicsCommitteeApprovalNumber", "ClinicalTrialSeriesID",
    "ClinicalTrialSeriesDescription", "ContentSequence", "GraphicAnnotationSequence",
    "IconImageSequence", "DigitalSignaturesSequence", "ReferencedDigitalSignatureSequence",
    "ReferencedSOPInstanceMACSequence", "MAC", "CertificateOfSigner", "CertifiedTimestamp",
    "OriginalAttributesSequence", "ModifiedAttributesSequence",
    "NonconformingModifiedAttributesSequence", "NonconformingDataElementValue",
    "ModifyingSystem", "SourceOfPreviousValues", "ReasonForTheAttributeModification",
    "InstanceOriginStatus", "Originator", "DestinationAE", "ReceivingAE", "RequestingAE",
    "TopicTitle", "TopicSubject", "TopicAuthor", "TopicKeywords", "EncapsulatedDocument",
    "TimezoneOffsetFromUTC", "DataSetTrailingPadding",
    "GPSVersionID", "GPSLatitudeRef", "GPSLatitude", "GPSLongitudeRef", "GPSLongitude",
    "GPSAltitudeRef", "GPSAltitude", "GPSAreaInformation", "GPSDateStamp", "GPSTimeStamp",
    "GPSProcessingMethod", "GPSMapDatum", "GPSDestLatitude", "GPSDestLongitude",
    "GPSSatellites", "GPSStatus",
    # RT free text and labels
    "RTPlanLabel", "RTPlanName", "RTPlanDescription", "StructureSetLabel", "StructureSetName",
    "StructureSetDescription", "ROIName", "ROIDescription", "ROIInterpreter",
    "ROIGenerationDescription", "ROIObservationDescription", "ROIObservationLabel",
    "PrescriptionDescription", "DoseReferenceDescription", "FractionGroupDescription",
    "BeamDescription", "BolusDescription", "CompensatorDescription", "TreatmentSites",
    "FixationDeviceDescription", "ShieldingDeviceDescription", "SetupTechniqueDescription",
})

#: Keyword endings that mark free text the profile removes wherever they occur.
_REMOVE_SUFFIXES = ("Comments", "Address", "TelephoneNumbers", "TelecomInformation")

_DATE_VRS = frozenset({"DA", "DT", "TM"})

#: Descriptors kept after cleaning (Clean Descriptors Option), else replaced by :data:`DUMMY`.
CLEANED_KEYWORDS: frozenset[str] = frozenset({"ContrastBolusAgent"})
DUMMY = "CONTRAST"
_PLAIN = re.compile(r"^[A-Za-z0-9 /%.,+()\-]{1,64}$")


def _name_tokens(ds: Dataset) -> set[str]:
    """Upper-case parts (2+ characters) of every person name anywhere in ``ds``."""
    tokens: set[str] = set()
    for elem in ds.iterall():
        if elem.VR == "PN" and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            for v in values:
                tokens.update(t for t in re.split(r"[^A-Z0-9]+", str(v).upper()) if len(t) > 1)
    return tokens


def clean_descriptor(value: str, names: set[str]) -> str:
    """``value`` if it is short plain text holding no part of a person name, else :data:`DUMMY`."""
    text = str(value).strip()
    words = set(re.split(r"[^A-Z0-9]+", text.upper()))
    return text if _PLAIN.match(text) and not words & names else DUMMY


def _uid_root_int(salt: bytes, uid: str) -> int:
    digest = hmac.new(salt, uid.encode("ascii", "replace"), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def replace_uid(uid: str, salt: bytes) -> str:
    """The replacement for an instance UID: ``2.25.<128-bit HMAC of the original>``.

    Deterministic for a given salt (the same study stays one study across uploads), not
    reversible, and a valid UID (``2.25`` is the UUID-derived root of PS3.5 B.2).
    """
    return f"2.25.{_uid_root_int(salt, str(uid).strip())}"


def load_or_create_salt(data_dir: Path) -> bytes:
    """Read the installation secret from ``data_dir/SALT_FILE``; create it (0600) if missing."""
    path = Path(data_dir) / SALT_FILE
    if path.exists():
        raw = path.read_text().strip()
        if len(raw) >= 32:
            return bytes.fromhex(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    log.info("created a new de-identification salt under the data directory")
    return bytes.fromhex(value)


def installation_salt() -> bytes:
    """The salt of this installation (Settings.data_dir), created on first use."""
    from medgen.config import get_settings

    return load_or_create_salt(get_settings().data_dir)


def _is_registered_uid(value: str) -> bool:
    return value in UID_dictionary


def _clean_element(elem: DataElement, salt: bytes, names: set[str]) -> str:
    """Decide what happens to one element: 'keep', 'remove' or 'empty' (UIDs and cleaned
    descriptors are replaced here)."""
    tag: BaseTag = elem.tag
    if tag.is_private:
        return "remove"
    group = tag.group
    if 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:  # curves and overlay planes
        return "remove"
    keyword = elem.keyword or ""
    if not keyword:  # not in the public dictionary: cannot tell whether it is safe
        return "remove"
    if keyword in EMPTY_KEYWORDS:
        return "empty"
    if keyword in CLEANED_KEYWORDS:
        if elem.value:
            elem.value = clean_descriptor(str(elem.value), names)
        return "keep"
    if keyword in REMOVE_KEYWORDS or keyword.endswith(_REMOVE_SUFFIXES):
        return "remove"
    if elem.VR == "PN" or elem.VR in _DATE_VRS:
        return "remove"
    if elem.VR == "UI" and elem.value:
        values = elem.value if elem.VM > 1 else [elem.value]
        new = [v if _is_registered_uid(str(v)) else replace_uid(str(v), salt) for v in values]
        elem.value = new if elem.VM > 1 else new[0]
    return "keep"


def _clean_dataset(ds: Dataset, salt: bytes, names: set[str]) -> None:
    for elem in list(ds):
        action = _clean_element(elem, salt, names)
        if action == "remove":
            del ds[elem.tag]
        elif action == "empty":
            elem.value = None if elem.VR != "SQ" else Sequence()
        elif elem.VR == "SQ" and elem.value:
            for item in elem.value:
                _clean_dataset(item, salt, names)


def deidentify(ds: Dataset, *, salt: bytes | None = None) -> Dataset:
    """Return a de-identified copy of ``ds`` (PS3.15 Annex E Basic Profile; see module docstring).

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A dataset as read by ``dcmread``; it is not modified.
    salt : bytes, optional
        Secret for UID replacement; default: this installation's salt (Settings.data_dir).
    """
    key = salt if salt is not None else installation_salt()
    out = copy.deepcopy(ds)
    _clean_dataset(out, key, _name_tokens(ds))
    meta = getattr(out, "file_meta", None)
    if meta is not None:
        for kw in ("MediaStorageSOPInstanceUID",):
            if kw in meta and meta[kw].value:
                meta[kw].value = replace_uid(str(meta[kw].value), key)
        for kw in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                   "ReceivingApplicationEntityTitle", "PrivateInformation",
                   "PrivateInformationCreatorUID"):
            if kw in meta:
                del meta[kw]
    for kw in EMPTY_KEYWORDS:  # type 2: present, empty
        if kw not in out and kw in ds:
            setattr(out, kw, "")
    out.PatientIdentityRemoved = "YES"
    out.DeidentificationMethod = METHOD_TEXT
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = PROFILE_CODE
    out.DeidentificationMethodCodeSequence = Sequence([code])
    out.LongitudinalTemporalInformationModified = "REMOVED"
    return out
