"""Header de-identification: DICOM PS3.15 Annex E, applied to a copy of a dataset.

The pixel step needs the original header values as its PHI context
(`pixelsvc.dicom.decode.phi_context`), so the caller collects them first and calls
`HeaderDeidentifier.deidentify` afterwards. The input dataset is never modified: a
deep copy is cleaned and returned in `DeidReport.dataset`.

Everything that must stay consistent across files (UIDs, patient pseudonyms, the
date shift) is derived from one secret key with HMAC-SHA256, so that several runs or
several workers with the same key produce the same output for the same patient,
and nobody without the key can map pseudonyms back.

Options applied (PS3.15 Table E.1-1 columns):

* Basic Application Level Confidentiality Profile (`pixelsvc.client.profile`);
* Clean Pixel Data, claimed only when the caller says the pixels were cleaned;
* Retain Longitudinal Temporal Information with Modified Dates: every DA and DT is
  shifted by a per-patient number of days in [-1825, -30], even those the basic
  profile removes (the option's column says "C"); the time of day (TM and the time
  part of DT) is kept. Birth date and time are not retained (Z and X);
* Clean Descriptors: free-text descriptions are removed, or given a dummy or empty value where
  the object needs the attribute (we cannot clean free text, so none of it is kept);
* private elements are removed (`profile.SAFE_PRIVATE_TAGS` is empty), as are icon
  images, overlays (60xx), curves (50xx), group lengths and unknown public elements.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import hmac
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydicom
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

from pixelsvc.client.profile import BASIC_PROFILE, KEPT_UID_SUFFIXES, NOT_SHIFTED, SAFE_PRIVATE_TAGS, Action
from pixelsvc.errors import DecodeError

__all__ = ["OPTION_CODES", "DeidReport", "HeaderDeidentifier", "is_class_uid", "text_value"]

MIN_SHIFT_DAYS = -365 * 5
MAX_SHIFT_DAYS = -30
MIN_KEY_BYTES = 16

_DICOM_ROOT = "1.2.840.10008."

OPTION_CODES: dict[str, tuple[str, str]] = {
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "clean_pixel_data": ("113101", "Clean Pixel Data Option"),
    "clean_descriptors": ("113105", "Clean Descriptors Option"),
    "retain_longitudinal_modified_dates": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
}
"""Option name -> (DCM code value, code meaning) from PS3.16 CID 7050."""

_DUMMY_BY_VR: dict[str, Any] = {
    "PN": "ANONYMIZED",
    "LO": "ANONYMIZED",
    "SH": "ANONYMIZED",
    "LT": "ANONYMIZED",
    "ST": "ANONYMIZED",
    "UT": "ANONYMIZED",
    "UC": "ANONYMIZED",
    "CS": "ANONYMIZED",
    "AE": "ANONYMIZED",
    "AS": "000Y",
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "IS": "0",
    "DS": "0",
}
_STRING_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
)
_META_REMOVED = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle", "ReceivingApplicationEntityTitle")


def is_class_uid(keyword: str, value: str) -> bool:
    """True for UIDs that name a class, syntax or coding scheme: these are never replaced.

    They identify no one, and replacing them would make the file unreadable.
    """
    return value.startswith(_DICOM_ROOT) or keyword.endswith(KEPT_UID_SUFFIXES)


@dataclass(frozen=True, slots=True)
class DeidReport:
    """What `HeaderDeidentifier.deidentify` did: counts only, never a header value."""

    dataset: Dataset = field(repr=False)
    """The de-identified copy (the input is left unchanged)."""
    removed: int
    """Attributes removed (profile X, private, overlays, curves, unknown), nested ones included."""
    zeroed: int
    """Attributes set to a zero-length value (profile Z, unlisted PN, unparsable dates)."""
    replaced: int
    """Attributes given a new value: dummies, pseudonyms, UIDs, shifted dates."""
    uids_replaced: int
    """UI attributes remapped (a subset of `replaced`)."""
    dates_shifted: int
    """DA/DT attributes shifted (a subset of `replaced`)."""
    private_removed: int
    """Private elements removed (a subset of `removed`)."""
    date_shift_days: int
    """The patient's date shift, in days (negative)."""
    options: tuple[str, ...]
    """The `OPTION_CODES` names claimed in DeidentificationMethodCodeSequence."""


@dataclass(slots=True)
class _Counts:
    removed: int = 0
    zeroed: int = 0
    replaced: int = 0
    uids: int = 0
    dates: int = 0
    private: int = 0


class HeaderDeidentifier:
    """Applies the PS3.15 profile with keyed, consistent pseudonyms, UIDs and date shifts.

    Args:
        key: the secret (at least 16 bytes). The same key gives the same output UIDs,
            pseudonyms and date shifts, across files and runs.
        pseudonyms: optional original PatientID -> (PatientName, PatientID) to use
            instead of the derived ``ANON^<8 hex>`` / ``<12 hex>`` pseudonyms.

    Raises:
        TypeError, ValueError: the key is not bytes or is too short.

    >>> deid = HeaderDeidentifier(b"0123456789abcdef")
    >>> report = deid.deidentify(Dataset(), pixels_cleaned=False)
    >>> report.dataset.PatientIdentityRemoved
    'YES'
    """

    def __init__(self, key: bytes, *, pseudonyms: Mapping[str, tuple[str, str]] | None = None) -> None:
        if not isinstance(key, bytes):
            raise TypeError(f"key must be bytes, got {type(key).__name__}")
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}; use a random secret")
        self._key = key
        self._pseudonyms = dict(pseudonyms or {})

    def __repr__(self) -> str:
        return f"HeaderDeidentifier(key=<{len(self._key)} bytes>, pseudonyms=<{len(self._pseudonyms)} patients>)"

    # -- derived values --------------------------------------------------------------

    def _digest(self, purpose: str, *parts: str) -> bytes:
        # purpose separates the derivations, so a UID hash never equals a pseudonym hash
        message = "\x00".join((purpose, *parts)).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def uid(self, original: str) -> str:
        """The replacement for an instance UID: ``2.25.<128-bit int>`` (at most 44 chars)."""
        return "2.25." + str(int.from_bytes(self._digest("uid", original.strip(" \x00"))[:16], "big"))

    def pseudonym(self, patient_id: str, issuer: str = "") -> tuple[str, str]:
        """(PatientName, PatientID) for a patient: from the mapping, else derived from the key."""
        patient_id = patient_id.strip(" \x00")
        if patient_id in self._pseudonyms:
            name, new_id = self._pseudonyms[patient_id]
            return name, new_id
        digest = self._digest("patient", patient_id, issuer.strip(" \x00")).hex()
        return f"ANON^{digest[:8].upper()}", digest[8:20].upper()

    def date_shift_days(self, patient_id: str, issuer: str = "") -> int:
        """The patient's date shift, in [-1825, -30] days, the same for all their files."""
        digest = self._digest("date", patient_id.strip(" \x00"), issuer.strip(" \x00"))
        span = MAX_SHIFT_DAYS - MIN_SHIFT_DAYS + 1
        return MIN_SHIFT_DAYS + int.from_bytes(digest[:8], "big") % span

    # -- the profile -----------------------------------------------------------------

    def deidentify(self, ds: Dataset, *, pixels_cleaned: bool) -> DeidReport:
        """De-identify a copy of `ds`.

        Args:
            ds: the dataset as read; not modified.
            pixels_cleaned: True only if the pixel step ran on every frame (and on any
                overlay or icon kept) under a masking policy. It decides whether Clean
                Pixel Data is claimed and ``BurnedInAnnotation`` set to ``NO``;
                otherwise BurnedInAnnotation keeps its original value.

        Returns:
            The report; the cleaned copy is ``report.dataset``.

        Raises:
            DecodeError: an element could not be read (the message names the tag only).
        """
        patient_id = text_value(ds.get("PatientID"))
        issuer = text_value(ds.get("IssuerOfPatientID"))
        shift = self.date_shift_days(patient_id, issuer)
        name, new_id = self.pseudonym(patient_id, issuer)

        out = copy.deepcopy(ds)
        counts = _Counts()
        with warnings.catch_warnings():
            # pydicom's value-validation warnings quote the value, which may be PHI
            warnings.simplefilter("ignore")
            self._walk(out, shift, counts)
            self._clean_meta(out)

        out.PatientName = name
        out.PatientID = new_id
        counts.replaced += 2

        options = ["basic"]
        if pixels_cleaned:
            options.append("clean_pixel_data")
            out.BurnedInAnnotation = "NO"
        options += ["retain_longitudinal_modified_dates", "clean_descriptors"]
        out.PatientIdentityRemoved = "YES"
        out.LongitudinalTemporalInformationModified = "MODIFIED"
        out.DeidentificationMethod = ["pixelsvc: PS3.15 E.1", *(OPTION_CODES[o][1][:64] for o in options[1:])]
        out.DeidentificationMethodCodeSequence = Sequence([_code_item(OPTION_CODES[o]) for o in options])

        return DeidReport(
            dataset=out,
            removed=counts.removed,
            zeroed=counts.zeroed,
            replaced=counts.replaced,
            uids_replaced=counts.uids,
            dates_shifted=counts.dates,
            private_removed=counts.private,
            date_shift_days=shift,
            options=tuple(options),
        )

    def _walk(self, ds: Dataset, shift: int, counts: _Counts) -> None:
        """Apply the profile to every element of `ds`, recursing into kept sequences."""
        for tag in list(ds.keys()):
            if tag.is_private:
                if not _is_safe_private(ds, tag):
                    del ds[tag]
                    counts.removed += 1
                    counts.private += 1
                continue
            group = tag.group & 0xFF00
            keyword = keyword_for_tag(tag)
            if group in (0x5000, 0x6000) or tag.group == 0xFFFE or tag.element == 0 or not keyword:
                # curves, overlays, stray item delimiters, group lengths, public tags we cannot judge
                del ds[tag]
                counts.removed += 1
                continue

            action = BASIC_PROFILE.get(keyword)
            temporal = dictionary_VR(tag) in ("DA", "DT", "TM") and keyword not in NOT_SHIFTED
            if action is Action.REMOVE and not temporal:
                del ds[tag]
                counts.removed += 1
                continue

            try:
                elem = ds[tag]
            except Exception as exc:
                # pydicom's message can quote the value: name the tag only
                raise DecodeError(
                    f"header element {tag} {keyword} could not be read for de-identification ({type(exc).__name__})"
                ) from None
            vr = str(elem.VR)
            if vr == "SQ":
                if action is Action.ZERO:
                    elem.value = Sequence()
                    counts.zeroed += 1
                else:
                    for item in elem.value:
                        self._walk(item, shift, counts)
                continue
            if _is_empty(elem.value):
                continue
            if temporal and vr == "TM":
                continue  # the time of day is kept: the shift is in whole days
            if temporal and vr in ("DA", "DT"):
                if _shift_element(elem, vr, shift):
                    counts.replaced += 1
                    counts.dates += 1
                else:
                    elem.value = ""
                    counts.zeroed += 1
                continue
            if vr == "UI":
                if self._replace_uids(elem, keyword):
                    counts.replaced += 1
                    counts.uids += 1
                continue
            if action is Action.ZERO or (action is None and vr == "PN"):
                elem.value = _zero_value(vr)
                counts.zeroed += 1
            elif action is Action.DUMMY:
                elem.value = _DUMMY_BY_VR.get(vr, _zero_value(vr))
                counts.replaced += 1

    def _replace_uids(self, elem: Any, keyword: str) -> bool:
        values = list(elem.value) if isinstance(elem.value, list | tuple | MultiValue) else [elem.value]
        new = [v if is_class_uid(keyword, str(v)) else self.uid(str(v)) for v in values]
        if new == [str(v) for v in values]:
            return False
        elem.value = new if len(new) > 1 else new[0]
        return True

    def _clean_meta(self, ds: Dataset) -> None:
        meta = getattr(ds, "file_meta", None)
        if meta is None:
            return
        if "MediaStorageSOPInstanceUID" in meta:
            value = str(meta.MediaStorageSOPInstanceUID)
            if not is_class_uid("MediaStorageSOPInstanceUID", value):
                meta.MediaStorageSOPInstanceUID = self.uid(value)
        if "ImplementationClassUID" in meta:
            # the writing software is now pydicom; the original one can be a site-specific root
            meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
            meta.ImplementationVersionName = f"PYDICOM {pydicom.__version__}"[:16]
        for keyword in _META_REMOVED:
            if keyword in meta:
                delattr(meta, keyword)
        for tag in list(meta.keys()):
            if tag.is_private or tag in (0x00020100, 0x00020102):  # private information
                del meta[tag]


def _is_safe_private(ds: Dataset, tag: BaseTag) -> bool:
    if not SAFE_PRIVATE_TAGS or tag.element < 0x1000:
        return False  # creators go with their elements: with an empty list, all go
    creator_tag = (tag.group << 16) | (tag.element >> 8)
    creator = text_value(ds.get(creator_tag))
    return (creator, tag.element & 0xFF) in SAFE_PRIVATE_TAGS


def text_value(elem: Any) -> str:
    """An element's (or a raw value's) text, without DICOM padding; '' when absent."""
    if elem is None:
        return ""
    value = elem.value if hasattr(elem, "value") else elem
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return "" if value is None else str(value).strip(" \x00")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == b"" or (isinstance(value, list | tuple) and not value)


def _zero_value(vr: str) -> Any:
    if vr in _STRING_VRS:
        return ""
    if vr in ("OB", "OD", "OF", "OL", "OV", "OW", "UN"):
        return b""
    return None


def _shift_element(elem: Any, vr: str, shift: int) -> bool:
    """Shift every value of a DA or DT element; False if any value cannot be parsed."""
    raw = elem.value
    values = [raw] if isinstance(raw, str | bytes) else list(raw)
    shifted = []
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        new = _shift_datetext_value(text.strip(" \x00"), vr, shift)
        if new is None:
            return False
        shifted.append(new)
    elem.value = shifted if len(shifted) > 1 else shifted[0]
    return True


def _shift_datetext_value(text: str, vr: str, shift: int) -> str | None:
    if vr == "DA" and len(text) == 10 and text[4] == "." and text[7] == ".":
        text = text.replace(".", "")  # ACR-NEMA YYYY.MM.DD
    if len(text) < 8 or not text[:8].isdigit() or (vr == "DA" and len(text) != 8):
        return None  # partial dates and ranges cannot be shifted by days
    try:
        day = datetime.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None
    try:
        moved = day + datetime.timedelta(days=shift)
    except OverflowError:
        return None
    return moved.strftime("%Y%m%d").zfill(8) + text[8:]


def _code_item(code: tuple[str, str]) -> Dataset:
    item = Dataset()
    item.CodeValue = code[0]
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = code[1]
    return item
