"""Checks of the PS3.15 Table E.1-1 data in pixelsvc.client.profile.

`E11_ROWS` is a checked-in selection of Table E.1-1 (PS3.15 2024b, Basic Profile
column): every row with a composite code, every ``Z`` row, and a spread of the ``D``,
``U`` and ``X`` rows. It is copied from the standard independently of profile.py, so a
wrong or missing entry there fails here.
"""

from __future__ import annotations

import ast
import inspect

import pytest
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from pixelsvc.client import HeaderDeidentifier, profile
from pixelsvc.client.headers import is_class_uid
from pixelsvc.client.profile import BASIC_PROFILE, KEPT_UID_SUFFIXES, NOT_SHIFTED, Action

KEY = b"profile-table-test-key"

# (tag, keyword, Basic Profile code) from PS3.15 2024b Table E.1-1
E11_ROWS: tuple[tuple[str, str, str], ...] = (
    ("0000,1000", "AffectedSOPInstanceUID", "X"),
    ("0002,0003", "MediaStorageSOPInstanceUID", "U"),
    ("0008,0012", "InstanceCreationDate", "X/D"),
    ("0008,0013", "InstanceCreationTime", "X/Z/D"),
    ("0008,0014", "InstanceCreatorUID", "U"),
    ("0008,0015", "InstanceCoercionDateTime", "X"),
    ("0008,0017", "AcquisitionUID", "U"),
    ("0008,0018", "SOPInstanceUID", "U"),
    ("0008,0019", "PyramidUID", "U"),
    ("0008,0020", "StudyDate", "Z"),
    ("0008,0021", "SeriesDate", "X/D"),
    ("0008,0022", "AcquisitionDate", "X/Z"),
    ("0008,0023", "ContentDate", "Z/D"),
    ("0008,0025", "CurveDate", "X"),
    ("0008,002A", "AcquisitionDateTime", "X/Z/D"),
    ("0008,0030", "StudyTime", "Z"),
    ("0008,0031", "SeriesTime", "X/D"),
    ("0008,0032", "AcquisitionTime", "X/Z"),
    ("0008,0033", "ContentTime", "Z/D"),
    ("0008,0050", "AccessionNumber", "Z"),
    ("0008,0054", "RetrieveAETitle", "X"),
    ("0008,0055", "StationAETitle", "X"),
    ("0008,0080", "InstitutionName", "X/Z/D"),
    ("0008,0081", "InstitutionAddress", "X"),
    ("0008,0082", "InstitutionCodeSequence", "X/Z/D"),
    ("0008,0090", "ReferringPhysicianName", "Z"),
    ("0008,0092", "ReferringPhysicianAddress", "X"),
    ("0008,009C", "ConsultingPhysicianName", "Z"),
    ("0008,0106", "ContextGroupVersion", "D"),
    ("0008,0201", "TimezoneOffsetFromUTC", "X"),
    ("0008,1010", "StationName", "X/Z/D"),
    ("0008,1030", "StudyDescription", "X"),
    ("0008,103E", "SeriesDescription", "X"),
    ("0008,1040", "InstitutionalDepartmentName", "X"),
    ("0008,1048", "PhysiciansOfRecord", "X"),
    ("0008,1050", "PerformingPhysicianName", "X"),
    ("0008,1060", "NameOfPhysiciansReadingStudy", "X"),
    ("0008,1070", "OperatorsName", "X/Z/D"),
    ("0008,1072", "OperatorIdentificationSequence", "X/D"),
    ("0008,1110", "ReferencedStudySequence", "X/Z"),
    ("0008,1111", "ReferencedPerformedProcedureStepSequence", "X/Z/D"),
    ("0008,1120", "ReferencedPatientSequence", "X"),
    ("0008,1140", "ReferencedImageSequence", "X/Z/U*"),
    ("0008,1155", "ReferencedSOPInstanceUID", "U"),
    ("0008,2111", "DerivationDescription", "X"),
    ("0008,2112", "SourceImageSequence", "X/Z/U*"),
    ("0008,3010", "IrradiationEventUID", "U"),
    ("0010,0010", "PatientName", "Z"),
    ("0010,0020", "PatientID", "Z/D"),
    ("0010,0021", "IssuerOfPatientID", "X"),
    ("0010,0030", "PatientBirthDate", "Z"),
    ("0010,0032", "PatientBirthTime", "X"),
    ("0010,0040", "PatientSex", "Z"),
    ("0010,1000", "OtherPatientIDs", "X"),
    ("0010,1001", "OtherPatientNames", "X"),
    ("0010,1002", "OtherPatientIDsSequence", "X"),
    ("0010,1005", "PatientBirthName", "X"),
    ("0010,1010", "PatientAge", "X"),
    ("0010,1020", "PatientSize", "X"),
    ("0010,1030", "PatientWeight", "X"),
    ("0010,1040", "PatientAddress", "X"),
    ("0010,1060", "PatientMotherBirthName", "X"),
    ("0010,1080", "MilitaryRank", "X"),
    ("0010,1081", "BranchOfService", "X"),
    ("0010,1090", "MedicalRecordLocator", "X"),
    ("0010,1100", "ReferencedPatientPhotoSequence", "X"),
    ("0010,2000", "MedicalAlerts", "X"),
    ("0010,2110", "Allergies", "X"),
    ("0010,2150", "CountryOfResidence", "X"),
    ("0010,2154", "PatientTelephoneNumbers", "X"),
    ("0010,2160", "EthnicGroup", "X"),
    ("0010,2180", "Occupation", "X"),
    ("0010,21A0", "SmokingStatus", "X"),
    ("0010,21B0", "AdditionalPatientHistory", "X"),
    ("0010,21C0", "PregnancyStatus", "X"),
    ("0010,21F0", "PatientReligiousPreference", "X"),
    ("0010,2203", "PatientSexNeutered", "X/Z"),
    ("0010,2297", "ResponsiblePerson", "X"),
    ("0010,4000", "PatientComments", "X"),
    ("0012,0010", "ClinicalTrialSponsorName", "D"),
    ("0012,0020", "ClinicalTrialProtocolID", "D"),
    ("0012,0021", "ClinicalTrialProtocolName", "Z"),
    ("0012,0030", "ClinicalTrialSiteID", "Z"),
    ("0012,0031", "ClinicalTrialSiteName", "Z"),
    ("0012,0040", "ClinicalTrialSubjectID", "D"),
    ("0012,0042", "ClinicalTrialSubjectReadingID", "D"),
    ("0012,0050", "ClinicalTrialTimePointID", "Z"),
    ("0012,0060", "ClinicalTrialCoordinatingCenterName", "Z"),
    ("0012,0072", "ClinicalTrialSeriesDescription", "X"),
    ("0012,0081", "ClinicalTrialProtocolEthicsCommitteeName", "D"),
    ("0016,002B", "MakerNote", "X"),
    ("0016,004D", "CameraOwnerName", "X"),
    ("0016,0051", "LensSerialNumber", "X"),
    ("0016,0072", "GPSLatitude", "X"),
    ("0016,0074", "GPSLongitude", "X"),
    ("0016,0077", "GPSTimeStamp", "X"),
    ("0018,0010", "ContrastBolusAgent", "Z/D"),
    ("0018,1000", "DeviceSerialNumber", "X/Z/D"),
    ("0018,1002", "DeviceUID", "U"),
    ("0018,1004", "PlateID", "X"),
    ("0018,1007", "CassetteID", "X"),
    ("0018,1008", "GantryID", "X"),
    ("0018,1009", "UniqueDeviceIdentifier", "X"),
    ("0018,100A", "UDISequence", "X"),
    ("0018,100B", "ManufacturerDeviceClassUID", "U"),
    ("0018,1030", "ProtocolName", "X/D"),
    ("0018,11BB", "AcquisitionFieldOfViewLabel", "D"),
    ("0018,1203", "CalibrationDateTime", "Z"),
    ("0018,1400", "AcquisitionDeviceProcessingDescription", "X/D"),
    ("0018,700A", "DetectorID", "X/D"),
    ("0018,700C", "DateOfLastDetectorCalibration", "X/D"),
    ("0018,700E", "TimeOfLastDetectorCalibration", "X/D"),
    ("0018,9074", "FrameAcquisitionDateTime", "D"),
    ("0018,9367", "XRaySourceID", "D"),
    ("0018,9371", "XRayDetectorID", "D"),
    ("0018,9516", "StartAcquisitionDateTime", "X/D"),
    ("0018,9517", "EndAcquisitionDateTime", "X/D"),
    ("0018,9919", "InstructionPerformedDateTime", "Z/D"),
    ("0020,000D", "StudyInstanceUID", "U"),
    ("0020,000E", "SeriesInstanceUID", "U"),
    ("0020,0010", "StudyID", "Z"),
    ("0020,0052", "FrameOfReferenceUID", "U"),
    ("0020,0200", "SynchronizationFrameOfReferenceUID", "U"),
    ("0020,4000", "ImageComments", "X"),
    ("0020,9158", "FrameComments", "X"),
    ("0020,9161", "ConcatenationUID", "U"),
    ("0020,9164", "DimensionOrganizationUID", "U"),
    ("0032,1000", "ScheduledStudyStartDate", "X"),
    ("0032,1032", "RequestingPhysician", "X"),
    ("0032,1060", "RequestedProcedureDescription", "X/Z"),
    ("0032,1066", "ReasonForVisit", "X"),
    ("0032,4000", "StudyComments", "X"),
    ("0034,0001", "FlowIdentifierSequence", "D"),
    ("0034,0005", "SourceIdentifier", "D"),
    ("0038,0010", "AdmissionID", "X"),
    ("0038,0040", "DischargeDiagnosisDescription", "X"),
    ("0038,4000", "VisitComments", "X"),
    ("0040,0254", "PerformedProcedureStepDescription", "X"),
    ("0040,0275", "RequestAttributesSequence", "X"),
    ("0040,0512", "ContainerIdentifier", "D"),
    ("0040,0513", "IssuerOfTheContainerIdentifierSequence", "Z"),
    ("0040,0551", "SpecimenIdentifier", "D"),
    ("0040,0554", "SpecimenUID", "U"),
    ("0040,0555", "AcquisitionContextSequence", "X/Z"),
    ("0040,0562", "IssuerOfTheSpecimenIdentifierSequence", "Z"),
    ("0040,0600", "SpecimenShortDescription", "X"),
    ("0040,0610", "SpecimenPreparationSequence", "Z"),
    ("0040,1101", "PersonIdentificationCodeSequence", "D"),
    ("0040,2016", "PlacerOrderNumberImagingServiceRequest", "Z"),
    ("0040,2017", "FillerOrderNumberImagingServiceRequest", "Z"),
    ("0040,A027", "VerifyingOrganization", "D"),
    ("0040,A032", "ObservationDateTime", "X/D"),
    ("0040,A073", "VerifyingObserverSequence", "D"),
    ("0040,A075", "VerifyingObserverName", "D"),
    ("0040,A07C", "CustodialOrganizationSequence", "X"),
    ("0040,A082", "ParticipationDateTime", "Z"),
    ("0040,A088", "VerifyingObserverIdentificationCodeSequence", "Z"),
    ("0040,A120", "DateTime", "D"),
    ("0040,A121", "Date", "D"),
    ("0040,A122", "Time", "D"),
    ("0040,A123", "PersonName", "D"),
    ("0040,A124", "UID", "U"),
    ("0040,A171", "ObservationUID", "U"),
    ("0040,A730", "ContentSequence", "D"),
    ("0040,DB06", "TemplateVersion", "X"),
    ("0042,0011", "EncapsulatedDocument", "D"),
    ("0050,0020", "DeviceDescription", "X"),
    ("0062,0021", "TrackingUID", "U"),
    ("006A,0003", "AnnotationGroupUID", "D"),
    ("0070,0001", "GraphicAnnotationSequence", "D"),
    ("0070,0084", "ContentCreatorName", "Z/D"),
    ("0072,0066", "SelectorLOValue", "D"),
    ("0072,006A", "SelectorPNValue", "D"),
    ("0088,0140", "StorageMediaFileSetUID", "U"),
    ("0088,0200", "IconImageSequence", "X"),
    ("0088,0904", "TopicTitle", "X"),
    ("0400,0105", "DigitalSignatureDateTime", "D"),
    ("0400,0561", "OriginalAttributesSequence", "X"),
    ("0400,0563", "ModifyingSystem", "D"),
    ("0400,0564", "SourceOfPreviousValues", "Z"),
    ("2200,0002", "LabelText", "X/Z"),
    ("2200,0005", "BarcodeValue", "X/Z"),
    ("3006,0002", "StructureSetLabel", "D"),
    ("3006,0008", "StructureSetDate", "Z"),
    ("3006,0009", "StructureSetTime", "Z"),
    ("3006,0024", "ReferencedFrameOfReferenceUID", "U"),
    ("3006,0026", "ROIName", "Z"),
    ("3006,0028", "ROIDescription", "X"),
    ("3006,00A6", "ROIInterpreter", "Z"),
    ("3008,0054", "FirstTreatmentDate", "X/D"),
    ("3008,0056", "MostRecentTreatmentDate", "X/D"),
    ("3008,0105", "SourceSerialNumber", "X/Z"),
    ("3008,0250", "TreatmentDate", "X/D"),
    ("3008,0251", "TreatmentTime", "X/D"),
    ("300A,0002", "RTPlanLabel", "D"),
    ("300A,0003", "RTPlanName", "X"),
    ("300A,0006", "RTPlanDate", "X/D"),
    ("300A,0007", "RTPlanTime", "X/D"),
    ("300A,0013", "DoseReferenceUID", "U"),
    ("300A,00B2", "TreatmentMachineName", "X/Z"),
    ("300A,0611", "RTAccessoryHolderSlotID", "Z"),
    ("300A,0615", "RTAccessoryDeviceSlotID", "Z"),
    ("300A,067D", "RadiationGenerationModeDescription", "Z"),
    ("300A,0734", "TreatmentToleranceViolationDescription", "D"),
    ("300A,0742", "InterlockDescription", "D"),
    ("300E,0004", "ReviewDate", "Z"),
    ("300E,0005", "ReviewTime", "Z"),
    ("300E,0008", "ReviewerName", "X/Z"),
    ("3010,000F", "ConceptualVolumeCombinationDescription", "Z"),
    ("3010,0017", "ConceptualVolumeDescription", "Z"),
    ("3010,001B", "DeviceAlternateIdentifier", "Z"),
    ("3010,002D", "DeviceLabel", "D"),
    ("3010,0033", "UserContentLabel", "D"),
    ("3010,0035", "EntityLabel", "D"),
    ("3010,0043", "ManufacturerDeviceIdentifier", "Z"),
    ("3010,004C", "IntendedPhaseStartDate", "X/D"),
    ("3010,004D", "IntendedPhaseEndDate", "X/D"),
    ("3010,0056", "RTTreatmentApproachLabel", "X/D"),
    ("3010,005A", "RTPhysicianIntentNarrative", "Z"),
    ("3010,005C", "ReasonForSuperseding", "Z"),
    ("3010,0077", "TreatmentSite", "X/D"),
    ("3010,007A", "TreatmentTechniqueNotes", "Z"),
    ("3010,007B", "PrescriptionNotes", "Z"),
    ("3010,007F", "FractionationNotes", "Z"),
    ("3010,0081", "PrescriptionNotesSequence", "Z"),
    ("4008,0300", "Impressions", "X"),
    ("FFFA,FFFA", "DigitalSignaturesSequence", "X"),
    ("FFFC,FFFC", "DataSetTrailingPadding", "X"),
)

ALLOWED: dict[str, frozenset[str]] = {
    "X": frozenset("X"),
    "Z": frozenset("ZD"),  # PS3.15: Z allows a dummy value
    "D": frozenset("D"),
    "U": frozenset("U"),
    "Z/D": frozenset("ZD"),
    "X/Z": frozenset("XZ"),
    "X/D": frozenset("XD"),
    "X/Z/D": frozenset("XZD"),
    "X/Z/U*": frozenset("XZU"),
}
"""Our actions that satisfy each code of the standard."""

STRONGEST = {"Z/D": "D", "X/Z": "Z", "X/D": "D", "X/Z/D": "D", "X/Z/U*": "U"}
"""The letter chosen for a composite code: valid in every IOD (see profile.py)."""

WEAKER_CHOICE = {
    "InstitutionName": "Type 1C/2 only inside identification items of non-image IODs",
    "InstitutionCodeSequence": "same; a walked sequence would keep the institution's codes",
    "OperatorIdentificationSequence": "a walked sequence would keep the operator's codes",
}
"""Composite rows where we take an allowed but weaker letter than STRONGEST."""

DEVIATIONS: dict[str, tuple[str, str]] = {
    "PersonIdentificationCodeSequence": ("X", "D would walk the items and keep the person's code"),
    "ReferencedStudySequence": ("K", "X/Z: references only, kept and walked, their UIDs replaced"),
}
"""Rows where our action is outside the standard's code, on purpose."""

TYPE_1_SOMEWHERE = {
    "AcquisitionDateTime": "Enhanced CT/MR Image (1C)",
    "ContentDate": "multi-frame functional groups modules",
    "ContentTime": "multi-frame functional groups modules",
    "DeviceSerialNumber": "Enhanced General Equipment",
    "ProtocolName": "Protocol Context",
    "ReferencedPerformedProcedureStepSequence": "CT Series (1C)",
    "SeriesDate": "PET Series",
    "StationName": "Contributing Sources (1C)",
}
TYPE_2_SOMEWHERE = {
    "AcquisitionContextSequence": "Acquisition Context",
    "AcquisitionDate": "PET Image",
    "BarcodeValue": "Slide Label",
    "LabelText": "Slide Label",
    "OperatorsName": "RT Series",
    "PatientSexNeutered": "Patient Study (2C)",
    "RequestedProcedureDescription": "SR Document General, Referenced Request Sequence",
    "TreatmentMachineName": "RT Beams, Beam Sequence",
}
"""PS3.3 Types that make a composite code's X invalid."""


def _action(keyword: str) -> str:
    action = BASIC_PROFILE.get(keyword)
    assert action is not None, f"{keyword} is in Table E.1-1 but not in BASIC_PROFILE"
    return action.value


def test_rows_are_standard_attributes() -> None:
    assert len(E11_ROWS) >= 60
    keywords = [keyword for _, keyword, _ in E11_ROWS]
    assert len(set(keywords)) == len(keywords)
    for tag, keyword, code in E11_ROWS:
        assert keyword_for_tag(int(tag.replace(",", ""), 16)) == keyword, tag
        assert code in ALLOWED, code


@pytest.mark.parametrize(("tag", "keyword", "code"), E11_ROWS, ids=[row[1] for row in E11_ROWS])
def test_action_satisfies_standard(tag: str, keyword: str, code: str) -> None:
    ours = _action(keyword)
    allowed = ALLOWED[code]
    if code == "D" and dictionary_VR(keyword) == "UI":
        allowed |= {"U"}  # a dummy UID is a replaced UID
    if keyword in DEVIATIONS:
        expected, _ = DEVIATIONS[keyword]
        assert ours == expected
        assert ours not in allowed, f"{keyword} is no longer a deviation: drop it from DEVIATIONS"
    else:
        assert ours in allowed, f"{keyword} {tag}: ours {ours}, standard {code}"


def test_composite_codes_take_the_strongest_letter() -> None:
    wrong = []
    for _, keyword, code in E11_ROWS:
        if code not in STRONGEST or keyword in DEVIATIONS:
            continue
        ours = _action(keyword)
        if keyword in WEAKER_CHOICE:
            if ours == STRONGEST[code]:
                wrong.append(f"{keyword}: drop it from WEAKER_CHOICE")
        elif ours != STRONGEST[code]:
            wrong.append(f"{keyword}: {ours} for {code}")
    assert not wrong


@pytest.mark.parametrize("keyword", sorted(TYPE_1_SOMEWHERE))
def test_type_1_composites_are_not_removed(keyword: str) -> None:
    assert _action(keyword) in {"D", "U"}, TYPE_1_SOMEWHERE[keyword]


@pytest.mark.parametrize("keyword", sorted(TYPE_2_SOMEWHERE))
def test_type_2_composites_are_not_removed(keyword: str) -> None:
    assert _action(keyword) in {"Z", "D"}, TYPE_2_SOMEWHERE[keyword]


def test_profile_keywords_and_actions() -> None:
    unknown = [keyword for keyword in BASIC_PROFILE if tag_for_keyword(keyword) is None]
    assert not unknown
    assert all(isinstance(action, Action) for action in BASIC_PROFILE.values())


def test_no_duplicate_keys_in_source() -> None:
    """A repeated key in the dict literal would silently override the first one."""
    tree = ast.parse(inspect.getsource(profile))
    literal = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "BASIC_PROFILE"
    )
    assert isinstance(literal, ast.Dict)
    keys = [key.value for key in literal.keys if isinstance(key, ast.Constant)]
    assert len(keys) == len(literal.keys) == len(BASIC_PROFILE)
    assert len(set(keys)) == len(keys), sorted({k for k in keys if keys.count(k) > 1})


def test_actions_fit_the_vr() -> None:
    """UIDs are replaced or removed, never kept or zeroed; sequences get no dummy UID."""
    conflicts = []
    for keyword, action in BASIC_PROFILE.items():
        vr = dictionary_VR(keyword)
        if vr == "UI" and action not in (Action.UID, Action.REMOVE, Action.DUMMY):
            conflicts.append(keyword)
        if vr == "UI" and action is not Action.REMOVE and is_class_uid(keyword, "1.2.3.4"):
            conflicts.append(f"{keyword} matches KEPT_UID_SUFFIXES")
    assert not conflicts


def test_kept_uid_suffixes_name_classes_only() -> None:
    assert "ManufacturerDeviceClassUID" in BASIC_PROFILE
    assert not "ManufacturerDeviceClassUID".endswith(KEPT_UID_SUFFIXES)
    for keyword in ("SOPClassUID", "ReferencedSOPClassUID", "TransferSyntaxUID", "ImplementationClassUID"):
        assert keyword.endswith(KEPT_UID_SUFFIXES)


def test_not_shifted_are_dates_with_an_action() -> None:
    for keyword in NOT_SHIFTED:
        assert dictionary_VR(keyword) in ("DA", "DT", "TM"), keyword
        assert keyword in BASIC_PROFILE, keyword
    assert {"PatientBirthDate", "PatientBirthTime"} <= NOT_SHIFTED


def _item(**values: object) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def test_table_applied_to_a_dataset() -> None:
    deid = HeaderDeidentifier(KEY)
    ds = _item(
        PatientID="P-1",
        ManufacturerDeviceClassUID="1.3.6.1.4.1.99999.1.2",
        DeviceSerialNumber="SN-4711",
        OperatorsName="Tech^Terry",
        GPSLatitude="52.52",
        GPSTimeStamp="20200115103000",
        ContextGroupVersion="20200115",
        TemplateVersion="20200115",
        ReasonForVisit="chest pain after fall at home",
        CustodialOrganizationSequence=Sequence([_item(InstitutionName="General Hospital")]),
        AcquisitionContextSequence=Sequence([_item(TextValue="Hospital bed 12")]),
        SpecimenDescriptionSequence=Sequence(
            [_item(SpecimenIdentifier="S-99-123", SpecimenUID="1.2.3.4.5", SpecimenShortDescription="from J. Doe")]
        ),
        ContentSequence=Sequence(
            [_item(ValueType="TEXT", TextValue="Seen by Dr Who", PersonName="Who^Doctor", UID="1.2.3.4.6")]
        ),
    )
    out = deid.deidentify(ds, pixels_cleaned=False).dataset

    assert out.ManufacturerDeviceClassUID == deid.uid("1.3.6.1.4.1.99999.1.2")
    assert out.DeviceSerialNumber not in ("", "SN-4711")
    assert out.OperatorsName not in ("", "Tech^Terry")
    removed = ("GPSLatitude", "GPSTimeStamp", "TemplateVersion", "ReasonForVisit", "CustodialOrganizationSequence")
    for keyword in removed:
        assert keyword not in out, keyword
    assert out.ContextGroupVersion not in ("", "20200115")  # a dummy, not a shifted date
    assert len(out.AcquisitionContextSequence) == 0

    specimen = out.SpecimenDescriptionSequence[0]
    assert specimen.SpecimenIdentifier not in ("", "S-99-123")
    assert specimen.SpecimenUID == deid.uid("1.2.3.4.5")
    assert "SpecimenShortDescription" not in specimen

    content = out.ContentSequence[0]
    assert content.ValueType == "TEXT"
    assert content.TextValue not in ("", "Seen by Dr Who")
    assert str(content.PersonName) not in ("", "Who^Doctor")
    assert content.get("UID") == deid.uid("1.2.3.4.6")
