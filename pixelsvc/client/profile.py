"""DICOM PS3.15 Table E.1-1 (Basic Application Level Confidentiality Profile) as data.

The table is kept as a plain ``keyword -> Action`` mapping so that it can be read and
reviewed against the standard line by line, apart from the code that applies it
(`pixelsvc.client.headers`). `BASIC_PROFILE` first lists every row of Table E.1-1
(PS3.15 2024b, 617 rows named by a data element; the overlay, curve and private rows
are applied by `headers.py` by group), in the standard's alphabetical order, each with
its tag and the standard's Basic Profile code; then the attributes we add.

Where the standard gives a choice (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``, ``X/Z/U*``), it
means "the weakest action that keeps the IOD valid": ``X`` where the attribute is Type
3, ``Z`` where it is Type 2, ``D`` (``U`` for references) where it is Type 1. This
table is per keyword and cannot see the IOD, and every such attribute is Type 1 or 2 in
some module of PS3.3, so the strongest letter is chosen: ``D``, else ``Z``, ``U`` for
the ``X/Z/U*`` reference sequences. A dummy or empty value discloses nothing more than
a removal. The exceptions are marked on their lines:

* InstitutionName, InstitutionCodeSequence: ``X``. They are Type 3 in the General
  Equipment module, and Type 1C/2 only inside person or organization identification
  items of non-image IODs (display system, RT records, protocol approval).
* OperatorIdentificationSequence, PersonIdentificationCodeSequence: ``X``.
  `headers.py` applies ``D`` to a sequence by walking its items, which would keep the
  person's identifying codes.
* ReferencedStudySequence (``X/Z``): kept and walked, as its items only reference
  other instances and their UIDs are replaced.

A sequence marked ``D`` or ``U`` is walked: its items are de-identified by this same
table (ContentSequence: PersonName, TextValue, dates and UIDs are replaced, so an SR
document stays valid). A sequence marked ``Z`` is emptied.

Options that change the table (applied by `HeaderDeidentifier`):

* Retain Longitudinal Temporal Information with Modified Dates: every DA and DT value
  is shifted by a per-patient number of days, and every TM value kept, whatever its
  action here (the option's column is "C" for them), except `NOT_SHIFTED`, which keep
  their action. Dates inside removed sequences go with the sequence.
* Clean Descriptors: its column is "C" for free-text descriptions, labels and comments.
  We cannot clean free text reliably, so they keep their Basic Profile action (``X``,
  ``Z`` or a ``D`` dummy); TextValue and UnformattedTextValue, which the table does not
  list, are replaced too.
* Clean Pixel Data only decides BurnedInAnnotation (set by `headers.py`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BASIC_PROFILE", "KEPT_UID_SUFFIXES", "NOT_SHIFTED", "SAFE_PRIVATE_TAGS", "Action"]


class Action(StrEnum):
    """The action codes of PS3.15 Table E.1-1."""

    DUMMY = "D"
    """Replace with a non-zero-length dummy value consistent with the VR."""
    ZERO = "Z"
    """Replace with a zero-length value."""
    REMOVE = "X"
    """Remove the attribute."""
    KEEP = "K"
    """Keep the attribute (sequences are still walked)."""
    UID = "U"
    """Replace the UID with a keyed, consistent one."""


D, Z, X, K, U = Action.DUMMY, Action.ZERO, Action.REMOVE, Action.KEEP, Action.UID

BASIC_PROFILE: dict[str, Action] = {
    # --- Table E.1-1, PS3.15 2024b: keyword: our action,  # (tag) the standard's code ---
    "AccessionNumber": Z,  # (0008,0050) Z
    "AcquisitionComments": X,  # (0018,4000) X
    "AcquisitionContextSequence": Z,  # (0040,0555) X/Z
    "AcquisitionDate": Z,  # (0008,0022) X/Z
    "AcquisitionDateTime": D,  # (0008,002A) X/Z/D
    "AcquisitionDeviceProcessingDescription": D,  # (0018,1400) X/D
    "AcquisitionFieldOfViewLabel": D,  # (0018,11BB) D
    "AcquisitionProtocolDescription": X,  # (0018,9424) X
    "AcquisitionTime": Z,  # (0008,0032) X/Z
    "AcquisitionUID": U,  # (0008,0017) U
    "ActualHumanPerformersSequence": X,  # (0040,4035) X
    "AdditionalPatientHistory": X,  # (0010,21B0) X
    "AddressTrial": X,  # (0040,A353) X
    "AdmissionID": X,  # (0038,0010) X
    "AdmittingDate": X,  # (0038,0020) X
    "AdmittingDiagnosesCodeSequence": X,  # (0008,1084) X
    "AdmittingDiagnosesDescription": X,  # (0008,1080) X
    "AdmittingTime": X,  # (0038,0021) X
    "AffectedSOPInstanceUID": X,  # (0000,1000) X
    "Allergies": X,  # (0010,2110) X
    "AnnotationGroupDescription": X,  # (006A,0006) X
    "AnnotationGroupLabel": D,  # (006A,0005) D
    "AnnotationGroupUID": D,  # (006A,0003) D
    "ApprovalStatusDateTime": X,  # (0044,0004) X
    "Arbitrary": X,  # (4000,0010) X
    "AssertionDateTime": D,  # (0044,0104) D
    "AssertionExpirationDateTime": X,  # (0044,0105) X
    "AttributeModificationDateTime": D,  # (0400,0562) D
    "AuthorObserverSequence": X,  # (0040,A078) X
    "BarcodeValue": Z,  # (2200,0005) X/Z
    "BeamDescription": X,  # (300A,00C3) X
    "BeamHoldTransitionDateTime": D,  # (300C,0127) D
    "BolusDescription": X,  # (300A,00DD) X
    "BranchOfService": X,  # (0010,1081) X
    "CalibrationDate": X,  # (0014,407E) X
    "CalibrationDateTime": Z,  # (0018,1203) Z
    "CalibrationTime": X,  # (0014,407C) X
    "CameraOwnerName": X,  # (0016,004D) X
    "CassetteID": X,  # (0018,1007) X
    "CertificateOfSigner": D,  # (0400,0115) D
    "CertifiedTimestamp": X,  # (0400,0310) X
    "ClinicalTrialCoordinatingCenterName": Z,  # (0012,0060) Z
    "ClinicalTrialProtocolEthicsCommitteeApprovalNumber": X,  # (0012,0082) X
    "ClinicalTrialProtocolEthicsCommitteeName": D,  # (0012,0081) D
    "ClinicalTrialProtocolID": D,  # (0012,0020) D
    "ClinicalTrialProtocolName": Z,  # (0012,0021) Z
    "ClinicalTrialSeriesDescription": X,  # (0012,0072) X
    "ClinicalTrialSeriesID": X,  # (0012,0071) X
    "ClinicalTrialSiteID": Z,  # (0012,0030) Z
    "ClinicalTrialSiteName": Z,  # (0012,0031) Z
    "ClinicalTrialSponsorName": D,  # (0012,0010) D
    "ClinicalTrialSubjectID": D,  # (0012,0040) D
    "ClinicalTrialSubjectReadingID": D,  # (0012,0042) D
    "ClinicalTrialTimePointDescription": X,  # (0012,0051) X
    "ClinicalTrialTimePointID": Z,  # (0012,0050) Z
    "CommentsOnRadiationDose": X,  # (0040,0310) X
    "CommentsOnThePerformedProcedureStep": X,  # (0040,0280) X
    "CompensatorDescription": X,  # (300A,02EB) X
    "ConcatenationUID": U,  # (0020,9161) U
    "ConceptualVolumeCombinationDescription": Z,  # (3010,000F) Z
    "ConceptualVolumeDescription": Z,  # (3010,0017) Z
    "ConceptualVolumeUID": U,  # (3010,0006) U
    "ConfidentialityConstraintOnPatientDataDescription": X,  # (0040,3001) X
    "ConstituentConceptualVolumeUID": U,  # (3010,0013) U
    "ConsultingPhysicianIdentificationSequence": X,  # (0008,009D) X
    "ConsultingPhysicianName": Z,  # (0008,009C) Z
    "ContainerComponentID": X,  # (0050,001B) X
    "ContainerDescription": X,  # (0040,051A) X
    "ContainerIdentifier": D,  # (0040,0512) D
    "ContentCreatorIdentificationCodeSequence": X,  # (0070,0086) X
    "ContentCreatorName": D,  # (0070,0084) Z/D
    "ContentDate": D,  # (0008,0023) Z/D
    "ContentSequence": D,  # (0040,A730) D; walked: PersonName, TextValue, dates and UIDs inside are replaced
    "ContentTime": D,  # (0008,0033) Z/D
    "ContextGroupLocalVersion": D,  # (0008,0107) D
    "ContextGroupVersion": D,  # (0008,0106) D
    "ContrastBolusAgent": D,  # (0018,0010) Z/D
    "ContrastBolusStartTime": X,  # (0018,1042) X
    "ContrastBolusStopTime": X,  # (0018,1043) X
    "ContributionDateTime": X,  # (0018,A002) X
    "ContributionDescription": X,  # (0018,A003) X
    "CountryOfResidence": X,  # (0010,2150) X
    "CreationDate": X,  # (2100,0040) X
    "CreationTime": X,  # (2100,0050) X
    "CurrentObserverTrial": X,  # (0040,A307) X
    "CurrentPatientLocation": X,  # (0038,0300) X
    "CurveDate": X,  # (0008,0025) X
    "CurveTime": X,  # (0008,0035) X
    "CustodialOrganizationSequence": X,  # (0040,A07C) X
    "DataSetTrailingPadding": X,  # (FFFC,FFFC) X
    "Date": D,  # (0040,A121) D
    "DateOfDocumentOrVerbalTransactionTrial": X,  # (0040,A110) X
    "DateOfInstallation": X,  # (0018,1205) X
    "DateOfLastCalibration": X,  # (0018,1200) X
    "DateOfLastDetectorCalibration": D,  # (0018,700C) X/D
    "DateOfManufacture": X,  # (0018,1204) X
    "DateOfSecondaryCapture": X,  # (0018,1012) X
    "DateTime": D,  # (0040,A120) D
    "DateTimeOfLastCalibration": X,  # (0018,1202) X
    "DecayCorrectionDateTime": D,  # (0018,9701) D
    "DecompositionDescription": X,  # (0018,937F) X
    "DerivationDescription": X,  # (0008,2111) X
    "DestinationAE": D,  # (2100,0140) D
    "DetectorID": D,  # (0018,700A) X/D
    "DeviceAlternateIdentifier": Z,  # (3010,001B) Z
    "DeviceDescription": X,  # (0050,0020) X
    "DeviceLabel": D,  # (3010,002D) D
    "DeviceSerialNumber": D,  # (0018,1000) X/Z/D
    "DeviceSettingDescription": X,  # (0016,004B) X
    "DeviceUID": U,  # (0018,1002) U
    "DigitalSignatureDateTime": D,  # (0400,0105) D
    "DigitalSignatureUID": U,  # (0400,0100) U
    "DigitalSignaturesSequence": X,  # (FFFA,FFFA) X
    "DimensionOrganizationUID": U,  # (0020,9164) U
    "DischargeDate": X,  # (0038,0030) X
    "DischargeDiagnosisDescription": X,  # (0038,0040) X
    "DischargeTime": X,  # (0038,0032) X
    "DisplacementReferenceLabel": X,  # (300A,079A) X
    "DistributionAddress": X,  # (4008,011A) X
    "DistributionName": X,  # (4008,0119) X
    "DoseReferenceDescription": X,  # (300A,0016) X
    "DoseReferenceUID": U,  # (300A,0013) U
    "DosimetricObjectiveUID": U,  # (3010,006E) U
    "EffectiveDateTime": D,  # (0068,6226) D
    "EncapsulatedDocument": D,  # (0042,0011) D; OB: emptied, headers.py has no OB dummy
    "EndAcquisitionDateTime": D,  # (0018,9517) X/D
    "EntityDescription": X,  # (3010,0037) X
    "EntityLabel": D,  # (3010,0035) D
    "EntityLongLabel": D,  # (3010,0038) D
    "EntityName": X,  # (3010,0036) X
    "EquipmentFrameOfReferenceDescription": X,  # (300A,0676) X
    "EthicsCommitteeApprovalEffectivenessEndDate": X,  # (0012,0087) X
    "EthicsCommitteeApprovalEffectivenessStartDate": X,  # (0012,0086) X
    "EthnicGroup": X,  # (0010,2160) X
    "ExclusionStartDateTime": D,  # (0018,9804) D
    "ExpectedCompletionDateTime": X,  # (0040,4011) X
    "FailedSOPInstanceUIDList": U,  # (0008,0058) U
    "FiducialUID": U,  # (0070,031A) U
    "FillerOrderNumberImagingServiceRequest": Z,  # (0040,2017) Z
    "FilterLookupTableDescription": X,  # (003A,032B) X
    "FindingsGroupRecordingDateTrial": X,  # (0040,A023) X
    "FindingsGroupRecordingTimeTrial": X,  # (0040,A024) X
    "FirstTreatmentDate": D,  # (3008,0054) X/D
    "FixationDeviceDescription": X,  # (300A,0196) X
    "FlowIdentifier": D,  # (0034,0002) D
    "FlowIdentifierSequence": D,  # (0034,0001) D; walked: its items are in this table
    "FractionGroupDescription": X,  # (300A,0072) X
    "FractionationNotes": Z,  # (3010,007F) Z
    "FrameAcquisitionDateTime": D,  # (0018,9074) D
    "FrameComments": X,  # (0020,9158) X
    "FrameOfReferenceUID": U,  # (0020,0052) U
    "FrameOriginTimestamp": D,  # (0034,0007) D
    "FrameReferenceDateTime": D,  # (0018,9151) D
    "FunctionalSyncPulse": D,  # (0018,9623) D
    "GantryID": X,  # (0018,1008) X
    "GeneratorID": X,  # (0018,1005) X
    "GPSAltitude": X,  # (0016,0076) X
    "GPSAltitudeRef": X,  # (0016,0075) X
    "GPSAreaInformation": X,  # (0016,008C) X
    "GPSDateStamp": X,  # (0016,008D) X
    "GPSDestBearing": X,  # (0016,0088) X
    "GPSDestBearingRef": X,  # (0016,0087) X
    "GPSDestDistance": X,  # (0016,008A) X
    "GPSDestDistanceRef": X,  # (0016,0089) X
    "GPSDestLatitude": X,  # (0016,0084) X
    "GPSDestLatitudeRef": X,  # (0016,0083) X
    "GPSDestLongitude": X,  # (0016,0086) X
    "GPSDestLongitudeRef": X,  # (0016,0085) X
    "GPSDifferential": X,  # (0016,008E) X
    "GPSDOP": X,  # (0016,007B) X
    "GPSImgDirection": X,  # (0016,0081) X
    "GPSImgDirectionRef": X,  # (0016,0080) X
    "GPSLatitude": X,  # (0016,0072) X
    "GPSLatitudeRef": X,  # (0016,0071) X
    "GPSLongitude": X,  # (0016,0074) X
    "GPSLongitudeRef": X,  # (0016,0073) X
    "GPSMapDatum": X,  # (0016,0082) X
    "GPSMeasureMode": X,  # (0016,007A) X
    "GPSProcessingMethod": X,  # (0016,008B) X
    "GPSSatellites": X,  # (0016,0078) X
    "GPSSpeed": X,  # (0016,007D) X
    "GPSSpeedRef": X,  # (0016,007C) X
    "GPSStatus": X,  # (0016,0079) X
    "GPSTimeStamp": X,  # (0016,0077) X
    "GPSTrack": X,  # (0016,007F) X
    "GPSTrackRef": X,  # (0016,007E) X
    "GPSVersionID": X,  # (0016,0070) X
    "GraphicAnnotationSequence": D,  # (0070,0001) D; walked: UnformattedTextValue inside is replaced
    "HangingProtocolCreationDateTime": D,  # (0072,000A) D
    "HL7DocumentEffectiveTime": X,  # (0040,E004) X
    "HumanPerformerName": X,  # (0040,4037) X
    "HumanPerformerOrganization": X,  # (0040,4036) X
    "IconImageSequence": X,  # (0088,0200) X
    "IdentifyingComments": X,  # (0008,4000) X
    "ImageComments": X,  # (0020,4000) X
    "ImagePresentationComments": X,  # (0028,4000) X
    "ImagingServiceRequestComments": X,  # (0040,2400) X
    "ImpedanceMeasurementDateTime": D,  # (003A,0314) D
    "Impressions": X,  # (4008,0300) X
    "InformationIssueDateTime": D,  # (0068,6270) D
    "InstanceCoercionDateTime": X,  # (0008,0015) X
    "InstanceCreationDate": D,  # (0008,0012) X/D
    "InstanceCreationTime": D,  # (0008,0013) X/Z/D
    "InstanceCreatorUID": U,  # (0008,0014) U
    "InstanceOriginStatus": X,  # (0400,0600) X
    "InstitutionAddress": X,  # (0008,0081) X
    "InstitutionCodeSequence": X,  # (0008,0082) X/Z/D; as InstitutionName; a walked sequence would keep its codes
    "InstitutionName": X,  # (0008,0080) X/Z/D; Type 1C/2 only inside identification items of non-image IODs
    "InstitutionalDepartmentName": X,  # (0008,1040) X
    "InstitutionalDepartmentTypeCodeSequence": X,  # (0008,1041) X
    "InstructionPerformedDateTime": D,  # (0018,9919) Z/D
    "InsurancePlanIdentification": X,  # (0010,1050) X
    "IntendedFractionStartTime": X,  # (3010,0085) X
    "IntendedPhaseEndDate": D,  # (3010,004D) X/D
    "IntendedPhaseStartDate": D,  # (3010,004C) X/D
    "IntendedRecipientsOfResultsIdentificationSequence": X,  # (0040,1011) X
    "InterlockDateTime": D,  # (300A,0741) D
    "InterlockDescription": D,  # (300A,0742) D
    "InterlockOriginDescription": D,  # (300A,0783) D
    "InterpretationApprovalDate": X,  # (4008,0112) X
    "InterpretationApprovalTime": X,  # (4008,0113) X
    "InterpretationApproverSequence": X,  # (4008,0111) X
    "InterpretationAuthor": X,  # (4008,010C) X
    "InterpretationDiagnosisDescription": X,  # (4008,0115) X
    "InterpretationID": X,  # (4008,0200) X
    "InterpretationIDIssuer": X,  # (4008,0202) X
    "InterpretationRecordedDate": X,  # (4008,0100) X
    "InterpretationRecordedTime": X,  # (4008,0101) X
    "InterpretationRecorder": X,  # (4008,0102) X
    "InterpretationText": X,  # (4008,010B) X
    "InterpretationTranscriber": X,  # (4008,010A) X
    "InterpretationTranscriptionDate": X,  # (4008,0108) X
    "InterpretationTranscriptionTime": X,  # (4008,0109) X
    "InterventionDrugStartTime": X,  # (0018,0035) X
    "InterventionDrugStopTime": X,  # (0018,0027) X
    "IrradiationEventUID": U,  # (0008,3010) U
    "IssueDateOfImagingServiceRequest": X,  # (0040,2004) X
    "IssueTimeOfImagingServiceRequest": X,  # (0040,2005) X
    "IssuerOfAdmissionID": X,  # (0038,0011) X
    "IssuerOfAdmissionIDSequence": X,  # (0038,0014) X
    "IssuerOfClinicalTrialProtocolID": X,  # (0012,0022) X
    "IssuerOfClinicalTrialSeriesID": X,  # (0012,0073) X
    "IssuerOfClinicalTrialSiteID": X,  # (0012,0032) X
    "IssuerOfClinicalTrialSubjectID": X,  # (0012,0041) X
    "IssuerOfClinicalTrialSubjectReadingID": X,  # (0012,0043) X
    "IssuerOfClinicalTrialTimePointID": X,  # (0012,0055) X
    "IssuerOfPatientID": X,  # (0010,0021) X
    "IssuerOfServiceEpisodeID": X,  # (0038,0061) X
    "IssuerOfServiceEpisodeIDSequence": X,  # (0038,0064) X
    "IssuerOfTheContainerIdentifierSequence": Z,  # (0040,0513) Z
    "IssuerOfTheSpecimenIdentifierSequence": Z,  # (0040,0562) Z
    "LabelText": Z,  # (2200,0002) X/Z
    "LargePaletteColorLookupTableUID": U,  # (0028,1214) U
    "LastMenstrualDate": X,  # (0010,21D0) X
    "LensMake": X,  # (0016,004F) X
    "LensModel": X,  # (0016,0050) X
    "LensSerialNumber": X,  # (0016,0051) X
    "LensSpecification": X,  # (0016,004E) X
    "LongDeviceDescription": X,  # (0050,0021) X
    "MAC": X,  # (0400,0404) X
    "MakerNote": X,  # (0016,002B) X
    "ManufacturerDeviceClassUID": U,  # (0018,100B) U; not a DICOM class: replaced (see KEPT_UID_SUFFIXES)
    "ManufacturerDeviceIdentifier": Z,  # (3010,0043) Z
    "MediaStorageSOPInstanceUID": U,  # (0002,0003) U
    "MedicalAlerts": X,  # (0010,2000) X
    "MedicalRecordLocator": X,  # (0010,1090) X
    "MilitaryRank": X,  # (0010,1080) X
    "ModifiedAttributesSequence": X,  # (0400,0550) X
    "ModifiedImageDate": X,  # (0020,3403) X
    "ModifiedImageDescription": X,  # (0020,3406) X
    "ModifiedImageTime": X,  # (0020,3405) X
    "ModifyingDeviceID": X,  # (0020,3401) X
    "ModifyingSystem": D,  # (0400,0563) D
    "MostRecentTreatmentDate": D,  # (3008,0056) X/D
    "MultienergyAcquisitionDescription": X,  # (0018,937B) X
    "MultiplexGroupUID": U,  # (003A,0310) U
    "NameOfPhysiciansReadingStudy": X,  # (0008,1060) X
    "NamesOfIntendedRecipientsOfResults": X,  # (0040,1010) X
    "NetworkID": X,  # (0008,1000) X
    "NonconformingDataElementValue": X,  # (0400,0552) X
    "NonconformingModifiedAttributesSequence": X,  # (0400,0551) X
    "ObservationDateTrial": X,  # (0040,A192) X
    "ObservationDateTime": D,  # (0040,A032) X/D
    "ObservationStartDateTime": X,  # (0040,A033) X
    "ObservationSubjectUIDTrial": U,  # (0040,A402) U
    "ObservationTimeTrial": X,  # (0040,A193) X
    "ObservationUID": U,  # (0040,A171) U
    "Occupation": X,  # (0010,2180) X
    "OperatorIdentificationSequence": X,  # (0008,1072) X/D; a walked sequence would keep the operator's codes
    "OperatorsName": D,  # (0008,1070) X/Z/D
    "OrderCallbackPhoneNumber": X,  # (0040,2010) X
    "OrderCallbackTelecomInformation": X,  # (0040,2011) X
    "OrderEnteredBy": X,  # (0040,2008) X
    "OrderEntererLocation": X,  # (0040,2009) X
    "OriginalAttributesSequence": X,  # (0400,0561) X
    "Originator": X,  # (2100,0070) X
    "OtherClinicalTrialProtocolIDsSequence": X,  # (0012,0023) X
    "OtherPatientIDs": X,  # (0010,1000) X
    "OtherPatientIDsSequence": X,  # (0010,1002) X
    "OtherPatientNames": X,  # (0010,1001) X
    "OverlayDate": X,  # (0008,0024) X
    "OverlayTime": X,  # (0008,0034) X
    "OverrideDateTime": D,  # (300A,0760) D
    "PaletteColorLookupTableUID": U,  # (0028,1199) U
    "ParticipantSequence": X,  # (0040,A07A) X
    "ParticipationDateTime": Z,  # (0040,A082) Z
    "PatientComments": X,  # (0010,4000) X
    "PatientID": D,  # (0010,0020) Z/D; replaced by the pseudonym (headers.py)
    "PatientSetupPhotoDescription": X,  # (300A,0794) X
    "PatientSetupUID": U,  # (300A,0650) U
    "PatientState": X,  # (0038,0500) X
    "PatientTransportArrangements": X,  # (0040,1004) X
    "PatientTreatmentPreparationMethodDescription": X,  # (300A,0792) X
    "PatientTreatmentPreparationProcedureParameterDescription": X,  # (300A,078E) X
    "PatientAddress": X,  # (0010,1040) X
    "PatientAge": X,  # (0010,1010) X
    "PatientBirthDate": Z,  # (0010,0030) Z
    "PatientBirthName": X,  # (0010,1005) X
    "PatientBirthTime": X,  # (0010,0032) X
    "PatientInstitutionResidence": X,  # (0038,0400) X
    "PatientInsurancePlanCodeSequence": X,  # (0010,0050) X
    "PatientMotherBirthName": X,  # (0010,1060) X
    "PatientName": Z,  # (0010,0010) Z; replaced by the pseudonym (headers.py)
    "PatientPrimaryLanguageCodeSequence": X,  # (0010,0101) X
    "PatientPrimaryLanguageModifierCodeSequence": X,  # (0010,0102) X
    "PatientReligiousPreference": X,  # (0010,21F0) X
    "PatientSex": Z,  # (0010,0040) Z
    "PatientSexNeutered": Z,  # (0010,2203) X/Z
    "PatientSize": X,  # (0010,1020) X
    "PatientTelecomInformation": X,  # (0010,2155) X
    "PatientTelephoneNumbers": X,  # (0010,2154) X
    "PatientWeight": X,  # (0010,1030) X
    "PerformedLocation": X,  # (0040,0243) X
    "PerformedProcedureStepDescription": X,  # (0040,0254) X
    "PerformedProcedureStepEndDate": X,  # (0040,0250) X
    "PerformedProcedureStepEndDateTime": X,  # (0040,4051) X
    "PerformedProcedureStepEndTime": X,  # (0040,0251) X
    "PerformedProcedureStepID": X,  # (0040,0253) X
    "PerformedProcedureStepStartDate": X,  # (0040,0244) X
    "PerformedProcedureStepStartDateTime": X,  # (0040,4050) X
    "PerformedProcedureStepStartTime": X,  # (0040,0245) X
    "PerformedStationAETitle": X,  # (0040,0241) X
    "PerformedStationGeographicLocationCodeSequence": X,  # (0040,4030) X
    "PerformedStationName": X,  # (0040,0242) X
    "PerformedStationNameCodeSequence": X,  # (0040,4028) X
    "PerformingPhysicianIdentificationSequence": X,  # (0008,1052) X
    "PerformingPhysicianName": X,  # (0008,1050) X
    "PersonIdentificationCodeSequence": X,  # (0040,1101) D; a walked sequence would keep the person's code
    "PersonName": D,  # (0040,A123) D
    "PersonAddress": X,  # (0040,1102) X
    "PersonTelecomInformation": X,  # (0040,1104) X
    "PersonTelephoneNumbers": X,  # (0040,1103) X
    "PhysicianApprovingInterpretation": X,  # (4008,0114) X
    "PhysiciansOfRecord": X,  # (0008,1048) X
    "PhysiciansOfRecordIdentificationSequence": X,  # (0008,1049) X
    "PhysiciansReadingStudyIdentificationSequence": X,  # (0008,1062) X
    "PlacerOrderNumberImagingServiceRequest": Z,  # (0040,2016) Z
    "PlateID": X,  # (0018,1004) X
    "PositionAcquisitionTemplateDescription": X,  # (3002,0123) X
    "PositionAcquisitionTemplateName": X,  # (3002,0121) X
    "PreMedication": X,  # (0040,0012) X
    "PregnancyStatus": X,  # (0010,21C0) X
    "PrescriptionDescription": X,  # (300A,000E) X
    "PrescriptionNotes": Z,  # (3010,007B) Z
    "PrescriptionNotesSequence": Z,  # (3010,0081) Z
    "PresentationCreationDate": X,  # (0070,0082) X
    "PresentationCreationTime": X,  # (0070,0083) X
    "PresentationDisplayCollectionUID": U,  # (0070,1101) U
    "PresentationSequenceCollectionUID": U,  # (0070,1102) U
    "PriorTreatmentDoseDescription": X,  # (3010,0061) X
    "ProcedureStepCancellationDateTime": X,  # (0040,4052) X
    "ProductExpirationDateTime": X,  # (0044,000B) X
    "ProtocolName": D,  # (0018,1030) X/D
    "PyramidDescription": X,  # (0008,1088) X
    "PyramidLabel": X,  # (0020,0027) X
    "PyramidUID": U,  # (0008,0019) U
    "RadiationDoseIdentificationLabel": D,  # (300A,0619) D
    "RadiationDoseInVivoMeasurementLabel": D,  # (300A,0623) D
    "RadiationGenerationModeDescription": Z,  # (300A,067D) Z
    "RadiationGenerationModeLabel": D,  # (300A,067C) D
    "RadiopharmaceuticalStartDateTime": X,  # (0018,1078) X
    "RadiopharmaceuticalStartTime": X,  # (0018,1072) X
    "RadiopharmaceuticalStopDateTime": X,  # (0018,1079) X
    "RadiopharmaceuticalStopTime": X,  # (0018,1073) X
    "ReasonForOmissionDescription": X,  # (300C,0113) X
    "ReasonForRequestedProcedureCodeSequence": X,  # (0040,100A) X
    "ReasonForStudy": X,  # (0032,1030) X
    "ReasonForSuperseding": Z,  # (3010,005C) Z
    "ReasonForTheAttributeModification": D,  # (0400,0565) D
    "ReasonForTheImagingServiceRequest": X,  # (0040,2001) X
    "ReasonForTheRequestedProcedure": X,  # (0040,1002) X
    "ReasonForVisit": X,  # (0032,1066) X
    "ReasonForVisitCodeSequence": X,  # (0032,1067) X
    "ReceivingAE": X,  # (0074,1234) X
    "RecordedRTControlPointDateTime": D,  # (300A,073A) D
    "ReferencedConceptualVolumeUID": U,  # (3010,000B) U
    "ReferencedDateTime": D,  # (0040,A13A) D
    "ReferencedDigitalSignatureSequence": X,  # (0400,0402) X
    "ReferencedDoseReferenceUID": U,  # (300A,0083) U
    "ReferencedDosimetricObjectiveUID": U,  # (3010,006F) U
    "ReferencedFiducialsUID": U,  # (3010,0031) U
    "ReferencedFrameOfReferenceUID": U,  # (3006,0024) U
    "ReferencedGeneralPurposeScheduledProcedureStepTransactionUID": U,  # (0040,4023) U
    "ReferencedImageSequence": U,  # (0008,1140) X/Z/U*; walked: its UIDs are replaced
    "ReferencedObservationUIDTrial": U,  # (0040,A172) U
    "ReferencedPatientAliasSequence": X,  # (0038,0004) X
    "ReferencedPatientPhotoSequence": X,  # (0010,1100) X
    "ReferencedPatientSequence": X,  # (0008,1120) X
    "ReferencedPerformedProcedureStepSequence": D,  # (0008,1111) X/Z/D; walked: its UIDs are replaced
    "ReferencedSOPInstanceMACSequence": X,  # (0400,0403) X
    "ReferencedSOPInstanceUID": U,  # (0008,1155) U
    "ReferencedSOPInstanceUIDInFile": U,  # (0004,1511) U
    "ReferencedStudySequence": K,  # (0008,1110) X/Z; references only: kept, its UIDs replaced
    "ReferencedTreatmentPositionGroupUID": U,  # (300A,0785) U
    "ReferringPhysicianIdentificationSequence": X,  # (0008,0096) X
    "ReferringPhysicianAddress": X,  # (0008,0092) X
    "ReferringPhysicianName": Z,  # (0008,0090) Z
    "ReferringPhysicianTelephoneNumbers": X,  # (0008,0094) X
    "RegionOfResidence": X,  # (0010,2152) X
    "RelatedFrameOfReferenceUID": U,  # (3006,00C2) U
    "RequestAttributesSequence": X,  # (0040,0275) X
    "RequestedContrastAgent": X,  # (0032,1070) X
    "RequestedProcedureComments": X,  # (0040,1400) X
    "RequestedProcedureDescription": Z,  # (0032,1060) X/Z
    "RequestedProcedureID": X,  # (0040,1001) X
    "RequestedProcedureLocation": X,  # (0040,1005) X
    "RequestedSeriesDescription": X,  # (0018,9937) X
    "RequestedSOPInstanceUID": U,  # (0000,1001) U
    "RequestingAE": X,  # (0074,1236) X
    "RequestingPhysician": X,  # (0032,1032) X
    "RequestingService": X,  # (0032,1033) X
    "RespiratoryMotionCompensationTechniqueDescription": X,  # (0018,9185) X
    "ResponsibleOrganization": X,  # (0010,2299) X
    "ResponsiblePerson": X,  # (0010,2297) X
    "ResultsComments": X,  # (4008,4000) X
    "ResultsDistributionListSequence": X,  # (4008,0118) X
    "ResultsID": X,  # (4008,0040) X
    "ResultsIDIssuer": X,  # (4008,0042) X
    "RetrieveAETitle": X,  # (0008,0054) X
    "ReviewDate": Z,  # (300E,0004) Z
    "ReviewTime": Z,  # (300E,0005) Z
    "ReviewerName": Z,  # (300E,0008) X/Z
    "ROICreatorSequence": X,  # (3006,004D) X
    "ROIDateTime": X,  # (3006,002D) X
    "ROIDescription": X,  # (3006,0028) X
    "ROIGenerationDescription": X,  # (3006,0038) X
    "ROIInterpreter": Z,  # (3006,00A6) Z
    "ROIInterpreterSequence": X,  # (3006,004E) X
    "ROIName": Z,  # (3006,0026) Z
    "ROIObservationDateTime": X,  # (3006,002E) X
    "ROIObservationDescription": X,  # (3006,0088) X
    "ROIObservationLabel": X,  # (3006,0085) X
    "RTAccessoryDeviceSlotID": Z,  # (300A,0615) Z
    "RTAccessoryHolderSlotID": Z,  # (300A,0611) Z
    "RTPhysicianIntentNarrative": Z,  # (3010,005A) Z
    "RTPlanDate": D,  # (300A,0006) X/D
    "RTPlanDescription": X,  # (300A,0004) X
    "RTPlanLabel": D,  # (300A,0002) D
    "RTPlanName": X,  # (300A,0003) X
    "RTPlanTime": D,  # (300A,0007) X/D
    "RTPrescriptionLabel": D,  # (3010,0054) D
    "RTToleranceSetLabel": D,  # (300A,062A) D
    "RTTreatmentApproachLabel": D,  # (3010,0056) X/D
    "RTTreatmentPhaseUID": U,  # (3010,003B) U
    "SafePositionExitDate": D,  # (3008,0162) D
    "SafePositionExitTime": D,  # (3008,0164) D
    "SafePositionReturnDate": D,  # (3008,0166) D
    "SafePositionReturnTime": D,  # (3008,0168) D
    "ScheduledAdmissionDate": X,  # (0038,001A) X
    "ScheduledAdmissionTime": X,  # (0038,001B) X
    "ScheduledDischargeDate": X,  # (0038,001C) X
    "ScheduledDischargeTime": X,  # (0038,001D) X
    "ScheduledHumanPerformersSequence": X,  # (0040,4034) X
    "ScheduledPatientInstitutionResidence": X,  # (0038,001E) X
    "ScheduledPerformingPhysicianIdentificationSequence": X,  # (0040,000B) X
    "ScheduledPerformingPhysicianName": X,  # (0040,0006) X
    "ScheduledProcedureStepDescription": X,  # (0040,0007) X
    "ScheduledProcedureStepEndDate": X,  # (0040,0004) X
    "ScheduledProcedureStepEndTime": X,  # (0040,0005) X
    "ScheduledProcedureStepExpirationDateTime": X,  # (0040,4008) X
    "ScheduledProcedureStepID": X,  # (0040,0009) X
    "ScheduledProcedureStepLocation": X,  # (0040,0011) X
    "ScheduledProcedureStepModificationDateTime": X,  # (0040,4010) X
    "ScheduledProcedureStepStartDate": X,  # (0040,0002) X
    "ScheduledProcedureStepStartDateTime": X,  # (0040,4005) X
    "ScheduledProcedureStepStartTime": X,  # (0040,0003) X
    "ScheduledStationAETitle": X,  # (0040,0001) X
    "ScheduledStationGeographicLocationCodeSequence": X,  # (0040,4027) X
    "ScheduledStationName": X,  # (0040,0010) X
    "ScheduledStationNameCodeSequence": X,  # (0040,4025) X
    "ScheduledStudyLocation": X,  # (0032,1020) X
    "ScheduledStudyLocationAETitle": X,  # (0032,1021) X
    "ScheduledStudyStartDate": X,  # (0032,1000) X
    "ScheduledStudyStartTime": X,  # (0032,1001) X
    "ScheduledStudyStopDate": X,  # (0032,1010) X
    "ScheduledStudyStopTime": X,  # (0032,1011) X
    "SelectorAEValue": D,  # (0072,005E) D
    "SelectorASValue": D,  # (0072,005F) D
    "SelectorDAValue": D,  # (0072,0061) D
    "SelectorDTValue": D,  # (0072,0063) D
    "SelectorLOValue": D,  # (0072,0066) D
    "SelectorLTValue": D,  # (0072,0068) D
    "SelectorOBValue": D,  # (0072,0065) D
    "SelectorPNValue": D,  # (0072,006A) D
    "SelectorSHValue": D,  # (0072,006C) D
    "SelectorSTValue": D,  # (0072,006E) D
    "SelectorTMValue": D,  # (0072,006B) D
    "SelectorUNValue": D,  # (0072,006D) D
    "SelectorURValue": D,  # (0072,0071) D
    "SelectorUTValue": D,  # (0072,0070) D
    "SeriesDate": D,  # (0008,0021) X/D
    "SeriesDescription": X,  # (0008,103E) X
    "SeriesInstanceUID": U,  # (0020,000E) U
    "SeriesTime": D,  # (0008,0031) X/D
    "ServiceEpisodeDescription": X,  # (0038,0062) X
    "ServiceEpisodeID": X,  # (0038,0060) X
    "SetupTechniqueDescription": X,  # (300A,01B2) X
    "ShieldingDeviceDescription": X,  # (300A,01A6) X
    "SlideIdentifier": X,  # (0040,06FA) X
    "SmokingStatus": X,  # (0010,21A0) X
    "SOPAuthorizationDateTime": X,  # (0100,0420) X
    "SOPInstanceUID": U,  # (0008,0018) U
    "SourceConceptualVolumeUID": U,  # (3010,0015) U
    "SourceEndDateTime": D,  # (0018,936A) D
    "SourceFrameOfReferenceUID": U,  # (0064,0003) U
    "SourceIdentifier": D,  # (0034,0005) D
    "SourceImageSequence": U,  # (0008,2112) X/Z/U*; walked: its UIDs are replaced
    "SourceManufacturer": X,  # (300A,0216) X
    "SourceOfPreviousValues": Z,  # (0400,0564) Z
    "SourceSerialNumber": Z,  # (3008,0105) X/Z
    "SourceStartDateTime": D,  # (0018,9369) D
    "SourceStrengthReferenceDate": D,  # (300A,022C) D
    "SourceStrengthReferenceTime": D,  # (300A,022E) D
    "SpecialNeeds": X,  # (0038,0050) X
    "SpecimenAccessionNumber": X,  # (0040,050A) X
    "SpecimenDetailedDescription": X,  # (0040,0602) X
    "SpecimenIdentifier": D,  # (0040,0551) D
    "SpecimenPreparationSequence": Z,  # (0040,0610) Z
    "SpecimenShortDescription": X,  # (0040,0600) X
    "SpecimenUID": U,  # (0040,0554) U
    "StartAcquisitionDateTime": D,  # (0018,9516) X/D
    "StationAETitle": X,  # (0008,0055) X
    "StationName": D,  # (0008,1010) X/Z/D
    "StorageMediaFileSetUID": U,  # (0088,0140) U
    "StructureSetDate": Z,  # (3006,0008) Z
    "StructureSetDescription": X,  # (3006,0006) X
    "StructureSetLabel": D,  # (3006,0002) D
    "StructureSetName": X,  # (3006,0004) X
    "StructureSetTime": Z,  # (3006,0009) Z
    "StudyArrivalDate": X,  # (0032,1040) X
    "StudyArrivalTime": X,  # (0032,1041) X
    "StudyComments": X,  # (0032,4000) X
    "StudyCompletionDate": X,  # (0032,1050) X
    "StudyCompletionTime": X,  # (0032,1051) X
    "StudyDate": Z,  # (0008,0020) Z
    "StudyDescription": X,  # (0008,1030) X; Clean Descriptors: free text we cannot clean is removed
    "StudyID": Z,  # (0020,0010) Z
    "StudyIDIssuer": X,  # (0032,0012) X
    "StudyInstanceUID": U,  # (0020,000D) U
    "StudyReadDate": X,  # (0032,0034) X
    "StudyReadTime": X,  # (0032,0035) X
    "StudyTime": Z,  # (0008,0030) Z
    "StudyVerifiedDate": X,  # (0032,0032) X
    "StudyVerifiedTime": X,  # (0032,0033) X
    "SubstanceAdministrationDateTime": X,  # (0044,0010) X
    "SynchronizationFrameOfReferenceUID": U,  # (0020,0200) U
    "TargetUID": U,  # (0018,2042) U
    "TelephoneNumberTrial": X,  # (0040,A354) X
    "TemplateExtensionCreatorUID": U,  # (0040,DB0D) U
    "TemplateExtensionOrganizationUID": U,  # (0040,DB0C) U
    "TemplateLocalVersion": X,  # (0040,DB07) X
    "TemplateVersion": X,  # (0040,DB06) X
    "TextComments": X,  # (4000,4000) X
    "TextString": X,  # (2030,0020) X
    "Time": D,  # (0040,A122) D
    "TimeOfDocumentCreationOrVerbalTransactionTrial": X,  # (0040,A112) X
    "TimeOfLastCalibration": X,  # (0018,1201) X
    "TimeOfLastDetectorCalibration": D,  # (0018,700E) X/D
    "TimeOfSecondaryCapture": X,  # (0018,1014) X
    "TimezoneOffsetFromUTC": X,  # (0008,0201) X
    "TopicAuthor": X,  # (0088,0910) X
    "TopicKeywords": X,  # (0088,0912) X
    "TopicSubject": X,  # (0088,0906) X
    "TopicTitle": X,  # (0088,0904) X
    "TrackingUID": U,  # (0062,0021) U
    "TransactionUID": U,  # (0008,1195) U
    "TransducerIdentificationSequence": X,  # (0018,5011) X
    "TreatmentControlPointDate": D,  # (3008,0024) D
    "TreatmentControlPointTime": D,  # (3008,0025) D
    "TreatmentDate": D,  # (3008,0250) X/D
    "TreatmentMachineName": Z,  # (300A,00B2) X/Z
    "TreatmentPositionGroupLabel": D,  # (300A,0608) D
    "TreatmentPositionGroupUID": U,  # (300A,0609) U
    "TreatmentSessionUID": U,  # (300A,0700) U
    "TreatmentSite": D,  # (3010,0077) X/D
    "TreatmentSites": X,  # (300A,000B) X
    "TreatmentTechniqueNotes": Z,  # (3010,007A) Z
    "TreatmentTime": D,  # (3008,0251) X/D
    "TreatmentToleranceViolationDateTime": D,  # (300A,0736) D
    "TreatmentToleranceViolationDescription": D,  # (300A,0734) D
    "UDISequence": X,  # (0018,100A) X
    "UID": U,  # (0040,A124) U
    "UniqueDeviceIdentifier": X,  # (0018,1009) X
    "UserContentLabel": D,  # (3010,0033) D
    "UserContentLongLabel": D,  # (3010,0034) D
    "VerbalSourceTrial": X,  # (0040,A352) X
    "VerbalSourceIdentifierCodeSequenceTrial": X,  # (0040,A358) X
    "VerificationDateTime": D,  # (0040,A030) D
    "VerifyingObserverIdentificationCodeSequence": Z,  # (0040,A088) Z
    "VerifyingObserverName": D,  # (0040,A075) D
    "VerifyingObserverSequence": D,  # (0040,A073) D; walked: its items are all in this table
    "VerifyingOrganization": D,  # (0040,A027) D
    "VisitComments": X,  # (0038,4000) X
    "WaveformFilterDescription": X,  # (003A,0329) X
    "XRayDetectorID": D,  # (0018,9371) D
    "XRayDetectorLabel": X,  # (0018,9373) X
    "XRaySourceID": D,  # (0018,9367) D
    # --- Not in Table E.1-1: our additions -------------------------------------------
    "AcquisitionDeviceProcessingCode": K,
    "BodyPartExamined": K,
    "BurnedInAnnotation": K,  # set by headers.py when the pixels were cleaned
    "EncryptedAttributesSequence": X,
    "FillerOrderNumberProcedure": X,
    "IssuerOfAccessionNumberSequence": X,
    "IssuerOfPatientIDQualifiersSequence": X,
    "LocalNamespaceEntityID": X,
    "MACParametersSequence": X,
    "ModifyingDeviceManufacturer": X,  # was in Table E.1-1 until 2013
    "PatientAlternativeCalendar": X,
    "PatientBirthDateInAlternativeCalendar": X,
    "PatientBreedDescription": X,
    "PatientDeathDateInAlternativeCalendar": X,
    "PatientSpeciesDescription": X,
    "PerformedProcedureTypeDescription": X,
    "PerformedProtocolCodeSequence": X,  # local code values can repeat procedure step IDs
    "PlacerOrderNumberProcedure": X,
    "ProcedureCodeSequence": X,  # same
    "ReceivingApplicationEntityTitle": X,
    "RequestedProcedureCodeSequence": X,
    "RequestingPhysicianIdentificationSequence": X,
    "ResponsiblePersonRole": X,
    "ScheduledProtocolCodeSequence": X,
    "SendingApplicationEntityTitle": X,
    "SeriesDescriptionCodeSequence": X,
    "SourceApplicationEntityTitle": X,
    "SpecimenDescriptionSequence": K,  # Type 1; its identifying items are in the table
    "StorageMediaFileSetID": X,
    "TextValue": D,  # free text in walked content items (Clean Descriptors)
    "TrackingID": X,
    "UnformattedTextValue": D,  # Type 1 text of a walked GraphicAnnotationSequence
    "UniversalEntityID": X,
}
"""Attribute keyword -> action, for attributes at any nesting level.

Dates and times (DA/DT/TM) are shifted or kept instead under the Retain Longitudinal
Temporal Information with Modified Dates option, except `NOT_SHIFTED`. Standard
attributes not listed are kept, except that every PN is zeroed, every DA/DT shifted
and every non-class UI value replaced (see headers.py).
"""

NOT_SHIFTED: frozenset[str] = frozenset(
    {
        "PatientBirthDate",  # the option's column is empty: Z
        "PatientBirthTime",  # X
        "GPSTimeStamp",  # X; the option's column is empty for it (not for GPSDateStamp)
        # versions and expiry of coding resources and products, not events of the patient's care
        "ContextGroupVersion",
        "ContextGroupLocalVersion",
        "TemplateVersion",
        "TemplateLocalVersion",
        "ProductExpirationDateTime",
    }
)
"""Dates and times that the longitudinal option does not retain: they keep their table action."""

KEPT_UID_SUFFIXES: tuple[str, ...] = ("SOPClassUID", "TransferSyntaxUID", "CodingSchemeUID", "ImplementationClassUID")
"""UI attributes whose values name a class or scheme, not an instance: never replaced.
Values that start with the DICOM root ``1.2.840.10008.`` are never replaced either.
Not a bare ``ClassUID``: ManufacturerDeviceClassUID names a vendor's device class and is
``U`` in Table E.1-1."""

SAFE_PRIVATE_TAGS: frozenset[tuple[str, int]] = frozenset()
"""(private creator, element offset) pairs kept under the Retain Safe Private option.

Empty on purpose: no vendor's private tags have been reviewed for PHI yet, so every
private element (and its creator) is removed.
"""
