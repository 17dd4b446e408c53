"""DICOM PS3.15 Table E.1-1 (Basic Application Level Confidentiality Profile) as data.

The table is kept as a plain ``keyword -> Action`` mapping so that it can be read and
reviewed against the standard line by line, apart from the code that applies it
(`pixelsvc.client.headers`).

Where the standard gives a choice (``X/Z``, ``X/D``, ``Z/D``, ``X/Z/D``, ``X/Z/U*``), the
strongest action that keeps the usual IODs valid is chosen: ``Z`` for Type 2
attributes, ``D`` for Type 1, ``X`` otherwise, ``U`` for UIDs. Sequences whose action
is ``X/Z/U*`` (references) are kept and walked: their UIDs are replaced like any other.

Options that change the table (applied by `HeaderDeidentifier`):

* Retain Longitudinal Temporal Information with Modified Dates: every DA and DT value
  is shifted by a per-patient number of days, and every TM value kept, whatever its
  action here (the option's column is "C" for them); `NOT_SHIFTED` keep their action.
  Dates inside removed sequences go with the sequence.
* Clean Descriptors: free-text descriptions and comments are listed here as ``X``.
  We cannot clean free text reliably, so removing it is the only safe cleaning.
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
    # --- Patient -------------------------------------------------------------------
    "PatientName": Z,  # replaced by a pseudonym (headers.py)
    "PatientID": Z,  # replaced by a pseudonym (headers.py)
    "IssuerOfPatientID": X,
    "IssuerOfPatientIDQualifiersSequence": X,
    "PatientBirthDate": Z,
    "PatientBirthTime": X,
    "PatientBirthName": X,
    "PatientBirthDateInAlternativeCalendar": X,
    "PatientDeathDateInAlternativeCalendar": X,
    "PatientAlternativeCalendar": X,
    "PatientSex": Z,
    "PatientAge": X,
    "PatientSize": X,
    "PatientWeight": X,
    "PatientAddress": X,
    "PatientMotherBirthName": X,
    "PatientTelephoneNumbers": X,
    "PatientTelecomInformation": X,
    "PatientInsurancePlanCodeSequence": X,
    "PatientPrimaryLanguageCodeSequence": X,
    "PatientReligiousPreference": X,
    "PatientComments": X,
    "PatientState": X,
    "PatientSexNeutered": X,
    "PatientSpeciesDescription": X,
    "PatientBreedDescription": X,
    "ResponsiblePerson": X,
    "ResponsiblePersonRole": X,
    "ResponsibleOrganization": X,
    "OtherPatientIDs": X,
    "OtherPatientIDsSequence": X,
    "OtherPatientNames": X,
    "ReferencedPatientSequence": X,
    "ReferencedPatientPhotoSequence": X,
    "MedicalRecordLocator": X,
    "MilitaryRank": X,
    "BranchOfService": X,
    "Occupation": X,
    "EthnicGroup": X,
    "SmokingStatus": X,
    "AdditionalPatientHistory": X,
    "PregnancyStatus": X,
    "LastMenstrualDate": X,
    "MedicalAlerts": X,
    "Allergies": X,
    "SpecialNeeds": X,
    "CountryOfResidence": X,
    "RegionOfResidence": X,
    "CurrentPatientLocation": X,
    "PatientInstitutionResidence": X,
    "InsurancePlanIdentification": X,
    "ConfidentialityConstraintOnPatientDataDescription": X,
    "ClinicalTrialSponsorName": D,
    "ClinicalTrialProtocolID": D,
    "ClinicalTrialProtocolName": Z,
    "ClinicalTrialSiteID": Z,
    "ClinicalTrialSiteName": Z,
    "ClinicalTrialSubjectID": D,
    "ClinicalTrialSubjectReadingID": D,
    "IssuerOfClinicalTrialSubjectID": X,
    "ClinicalTrialTimePointID": Z,
    "ClinicalTrialTimePointDescription": X,
    "ClinicalTrialCoordinatingCenterName": Z,
    "ClinicalTrialSeriesID": X,
    "ClinicalTrialSeriesDescription": X,
    # --- Study, visit, request -----------------------------------------------------
    "StudyInstanceUID": U,
    "StudyID": Z,
    "StudyDate": Z,
    "StudyTime": Z,
    "AccessionNumber": Z,
    "IssuerOfAccessionNumberSequence": X,
    "StudyDescription": X,  # Clean Descriptors: free text cannot be cleaned, so removed
    "StudyComments": X,
    "StudyIDIssuer": X,
    "ReferringPhysicianName": Z,
    "ReferringPhysicianAddress": X,
    "ReferringPhysicianTelephoneNumbers": X,
    "ReferringPhysicianIdentificationSequence": X,
    "ConsultingPhysicianName": X,
    "ConsultingPhysicianIdentificationSequence": X,
    "PhysiciansOfRecord": X,
    "PhysiciansOfRecordIdentificationSequence": X,
    "NameOfPhysiciansReadingStudy": X,
    "PhysiciansReadingStudyIdentificationSequence": X,
    "RequestingPhysician": X,
    "RequestingPhysicianIdentificationSequence": X,
    "RequestingService": X,
    "RequestedProcedureDescription": X,
    "RequestedProcedureID": X,
    "RequestedProcedureLocation": X,
    "RequestAttributesSequence": X,
    "ReasonForStudy": X,
    "ReasonForTheRequestedProcedure": X,
    "ReasonForTheImagingServiceRequest": X,
    "RequestedContrastAgent": X,
    "AdmissionID": X,
    "IssuerOfAdmissionIDSequence": X,
    "AdmittingDiagnosesDescription": X,
    "AdmittingDiagnosesCodeSequence": X,
    "AdmittingDate": X,
    "AdmittingTime": X,
    "ServiceEpisodeID": X,
    "ServiceEpisodeDescription": X,
    "IssuerOfServiceEpisodeIDSequence": X,
    "VisitComments": X,
    "PlacerOrderNumberImagingServiceRequest": Z,
    "FillerOrderNumberImagingServiceRequest": Z,
    "PlacerOrderNumberProcedure": X,
    "FillerOrderNumberProcedure": X,
    "OrderEnteredBy": X,
    "OrderEntererLocation": X,
    "OrderCallbackPhoneNumber": X,
    "OrderCallbackTelecomInformation": X,
    "ImagingServiceRequestComments": X,
    "InterpretationID": X,
    "InterpretationRecorder": X,
    "InterpretationTranscriber": X,
    "InterpretationText": X,
    "InterpretationAuthor": X,
    "InterpretationDiagnosisDescription": X,
    "InterpretationApproverSequence": X,
    "DistributionName": X,
    "DistributionAddress": X,
    "ResultsID": X,
    "ResultsIDIssuer": X,
    "ResultsComments": X,
    "ReferencedStudySequence": K,  # X/Z: kept, its UIDs are replaced
    "ProcedureCodeSequence": X,  # local code values can repeat procedure step IDs
    "PerformedProtocolCodeSequence": X,  # same
    "ScheduledProtocolCodeSequence": X,
    # --- Series, procedure steps ---------------------------------------------------
    "SeriesInstanceUID": U,
    "SeriesDescription": X,  # Clean Descriptors
    "SeriesDescriptionCodeSequence": X,
    "SeriesDate": X,
    "SeriesTime": X,
    "OperatorsName": X,
    "OperatorIdentificationSequence": X,
    "PerformingPhysicianName": X,
    "PerformingPhysicianIdentificationSequence": X,
    "ProtocolName": X,  # Clean Descriptors
    "BodyPartExamined": K,
    "PerformedProcedureStepID": X,
    "PerformedProcedureStepDescription": X,
    "PerformedProcedureStepStartDate": X,
    "PerformedProcedureStepStartTime": X,
    "PerformedProcedureStepEndDate": X,
    "PerformedProcedureStepEndTime": X,
    "PerformedLocation": X,
    "PerformedStationName": X,
    "PerformedStationAETitle": X,
    "PerformedStationGeographicLocationCodeSequence": X,
    "PerformedStationNameCodeSequence": X,
    "PerformedProcedureTypeDescription": X,
    "CommentsOnThePerformedProcedureStep": X,
    "ReferencedPerformedProcedureStepSequence": X,
    "RequestedProcedureCodeSequence": X,
    "ScheduledProcedureStepID": X,
    "ScheduledProcedureStepDescription": X,
    "ScheduledProcedureStepLocation": X,
    "ScheduledProcedureStepStartDate": X,
    "ScheduledProcedureStepStartTime": X,
    "ScheduledProcedureStepEndDate": X,
    "ScheduledProcedureStepEndTime": X,
    "ScheduledPerformingPhysicianName": X,
    "ScheduledPerformingPhysicianIdentificationSequence": X,
    "ScheduledStationName": X,
    "ScheduledStationAETitle": X,
    "ScheduledHumanPerformersSequence": X,
    "ScheduledPatientInstitutionResidence": X,
    "HumanPerformerName": X,
    "HumanPerformerOrganization": X,
    "ActualHumanPerformersSequence": X,
    "AcquisitionComments": X,
    "AcquisitionContextSequence": X,
    "AcquisitionDeviceProcessingDescription": X,
    "DerivationDescription": X,  # Clean Descriptors
    "ImageComments": X,  # Clean Descriptors
    "FrameComments": X,
    "ContrastBolusAgent": D,
    "ContentSequence": X,
    "TopicTitle": X,
    "TopicSubject": X,
    "TopicAuthor": X,
    "TopicKeywords": X,
    "TextString": X,
    "TextComments": X,
    "Arbitrary": X,
    "AuthorObserverSequence": X,
    "ParticipantSequence": X,
    "VerifyingObserverName": D,
    "VerifyingObserverSequence": D,
    "VerifyingObserverIdentificationCodeSequence": Z,
    "VerifyingOrganization": X,
    "PersonName": D,
    "PersonAddress": X,
    "PersonTelephoneNumbers": X,
    "PersonTelecomInformation": X,
    "PersonIdentificationCodeSequence": D,
    "ContentCreatorName": Z,
    "ContentCreatorIdentificationCodeSequence": X,
    "ReviewerName": X,
    "DigitalSignatureDateTime": X,
    "DigitalSignaturesSequence": X,
    "MACParametersSequence": X,
    "EncryptedAttributesSequence": X,
    "OriginalAttributesSequence": X,
    "ModifiedAttributesSequence": X,
    "DataSetTrailingPadding": X,
    "IconImageSequence": X,
    "GraphicAnnotationSequence": X,
    "UnformattedTextValue": X,
    "ReferencedPatientAliasSequence": X,
    "TrackingID": X,
    "TrackingUID": U,
    # --- Equipment and institution -------------------------------------------------
    "InstitutionName": X,
    "InstitutionAddress": X,
    "InstitutionalDepartmentName": X,
    "InstitutionalDepartmentTypeCodeSequence": X,
    "InstitutionCodeSequence": X,
    "StationName": X,
    "DeviceSerialNumber": X,
    "DeviceUID": U,
    "DeviceDescription": X,
    "DetectorID": X,
    "GantryID": X,
    "GeneratorID": X,
    "PlateID": X,
    "CassetteID": X,
    "SourceSerialNumber": X,
    "UDISequence": X,
    "UniqueDeviceIdentifier": X,
    "ManufacturerDeviceClassUID": X,
    "DateOfLastCalibration": X,
    "TimeOfLastCalibration": X,
    "DateOfLastDetectorCalibration": X,
    "TimeOfLastDetectorCalibration": X,
    "DateOfSecondaryCapture": X,
    "TimeOfSecondaryCapture": X,
    "SourceApplicationEntityTitle": X,
    "SendingApplicationEntityTitle": X,
    "ReceivingApplicationEntityTitle": X,
    "RetrieveAETitle": X,
    "StationAETitle": X,
    "ModifyingDeviceID": X,
    "ModifyingDeviceManufacturer": X,
    "ModifiedImageDescription": X,
    "LocalNamespaceEntityID": X,
    "UniversalEntityID": X,
    # --- Instance ------------------------------------------------------------------
    "SOPInstanceUID": U,
    "MediaStorageSOPInstanceUID": U,
    "ReferencedSOPInstanceUID": U,
    "ReferencedSOPInstanceUIDInFile": U,
    "FrameOfReferenceUID": U,
    "ReferencedFrameOfReferenceUID": U,
    "RelatedFrameOfReferenceUID": U,
    "SynchronizationFrameOfReferenceUID": U,
    "DimensionOrganizationUID": U,
    "ConcatenationUID": U,
    "IrradiationEventUID": U,
    "InstanceCreatorUID": U,
    "StorageMediaFileSetUID": U,
    "FiducialUID": U,
    "TargetUID": U,
    "TemplateExtensionCreatorUID": U,
    "TemplateExtensionOrganizationUID": U,
    "TransactionUID": U,
    "UID": U,
    "ReferencedGeneralPurposeScheduledProcedureStepTransactionUID": U,
    "SourceFrameOfReferenceUID": U,
    "SpecimenUID": U,
    "ContentDate": Z,
    "ContentTime": Z,
    "AcquisitionDate": X,
    "AcquisitionTime": X,
    "AcquisitionDateTime": X,
    "InstanceCreationDate": X,
    "InstanceCreationTime": X,
    "InstanceCoercionDateTime": X,
    "FrameAcquisitionDateTime": X,
    "FrameReferenceDateTime": X,
    "OverlayDate": X,
    "OverlayTime": X,
    "CurveDate": X,
    "CurveTime": X,
    "AcquisitionDeviceProcessingCode": K,
    "ImagePresentationComments": X,
    "IdentifyingComments": X,
    "LabelText": X,
    "SpecimenAccessionNumber": X,
    "ContainerIdentifier": Z,
    "ContainerDescription": X,
    "SpecimenDescriptionSequence": X,
    "StorageMediaFileSetID": X,
    "BurnedInAnnotation": K,  # set by headers.py when the pixels were cleaned
}
"""Attribute keyword -> action, for attributes at any nesting level.

Dates and times (DA/DT/TM) are shifted or kept instead under the Retain Longitudinal
Temporal Information with Modified Dates option, except `NOT_SHIFTED`. Standard
attributes not listed are kept, except that every PN is zeroed, every DA/DT shifted
and every non-class UI value replaced (see headers.py).
"""

NOT_SHIFTED: frozenset[str] = frozenset({"PatientBirthDate", "PatientBirthTime"})
"""Dates and times that the longitudinal option does not retain: they keep their table action."""

KEPT_UID_SUFFIXES: tuple[str, ...] = ("ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "ImplementationClassUID")
"""UI attributes whose values name a class or scheme, not an instance: never replaced.
Values that start with the DICOM root ``1.2.840.10008.`` are never replaced either."""

SAFE_PRIVATE_TAGS: frozenset[tuple[str, int]] = frozenset()
"""(private creator, element offset) pairs kept under the Retain Safe Private option.

Empty on purpose: no vendor's private tags have been reviewed for PHI yet, so every
private element (and its creator) is removed.
"""
