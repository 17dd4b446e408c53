"""Tests for pixelsvc.client.headers on real files from the shared data folder."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pydicom
import pytest
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from pixelsvc.client import HeaderDeidentifier
from pixelsvc.client.headers import OPTION_CODES, is_class_uid
from pixelsvc.client.profile import BASIC_PROFILE
from pixelsvc.dicom.decode import phi_context, read_dataset
from tests.reference import shared_only_reason

KEY = b"test-key-0123456789abcdef"

MR_RLE = "real/pydicom/MR_small_RLE.dcm"  # patient 4MR1, same image as MR_J2K
MR_J2K = "real/pydicom/MR_small_jp2klossless.dcm"
CT = "real/pydicom/CT_small.dcm"  # another patient, private tags
SIEMENS = "real/pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm"  # overlays, private, references
SIEMENS_2 = "real/pydicom/examples_overlay.dcm"  # same series as SIEMENS, other instance
US = "real/deid-data/ultrasounds/GREYSCALE_IMAGE.dcm"  # BurnedInAnnotation YES, test-patient PHI
PRESIDIO = "presidio/2_ORIGINAL.dcm"  # Presidio's test image with a synthetic patient header
FILES = [MR_RLE, MR_J2K, CT, SIEMENS, SIEMENS_2, US, PRESIDIO, "presidio/RGB_ORIGINAL.dcm"]


@pytest.fixture(scope="module")
def deid() -> HeaderDeidentifier:
    return HeaderDeidentifier(KEY)


def _load(root: Path, rel: str) -> Dataset:
    path = root / rel
    if not path.is_file():
        pytest.skip(shared_only_reason(rel))
    return read_dataset(path)


def _iter_uids(ds: Dataset) -> Iterator[tuple[str, str]]:
    """(keyword, value) of every UI value, sequences and file meta included."""
    datasets = [ds]
    if getattr(ds, "file_meta", None) is not None:
        datasets.append(ds.file_meta)
    for top in datasets:
        for elem in top.iterall():
            if elem.VR == "UI" and elem.value:
                values = elem.value if isinstance(elem.value, list | pydicom.multival.MultiValue) else [elem.value]
                for value in values:
                    yield elem.keyword, str(value).strip(" \x00")


def _header_bytes(ds: Dataset) -> bytes:
    """The saved file without its pixel data, whose random bytes could match short values."""
    copy = pydicom.dcmread(_to_bytes(ds))
    if "PixelData" in copy:
        del copy.PixelData
    return _to_bytes(copy).getvalue()


def _to_bytes(ds: Dataset) -> BytesIO:
    buf = BytesIO()
    ds.save_as(buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("rel", FILES)
def test_no_phi_value_left(shared_data: Path, deid: HeaderDeidentifier, rel: str) -> None:
    original = _load(shared_data, rel)
    context = phi_context(original)
    out = _header_bytes(deid.deidentify(original, pixels_cleaned=False).dataset)

    # institutions are checked by keyword below: a name like 'TOSHIBA' also appears in Manufacturer (kept)
    values = [*context.names, *context.ids, *context.dates, *context.other]
    values += [uid for keyword, uid in _iter_uids(original) if not is_class_uid(keyword, uid)]
    candidates = {v for v in values if len(v) >= 4}
    leaked = [v for v in candidates if v.encode("utf-8") in out or v.encode("latin-1", "replace") in out]
    # the message counts the leaks and never shows them (test data may be real PHI)
    assert len(leaked) == 0, f"{len(leaked)} original header values found in the output of {rel}"


def test_same_image_same_uids_and_shift(shared_data: Path, deid: HeaderDeidentifier) -> None:
    a = deid.deidentify(_load(shared_data, MR_RLE), pixels_cleaned=False)
    b = deid.deidentify(_load(shared_data, MR_J2K), pixels_cleaned=False)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
        assert a.dataset[keyword].value == b.dataset[keyword].value
        assert a.dataset[keyword].value.startswith("2.25.")
    assert a.date_shift_days == b.date_shift_days
    assert (a.dataset.PatientName, a.dataset.PatientID) == (b.dataset.PatientName, b.dataset.PatientID)


def test_series_uids_and_references_remapped(shared_data: Path, deid: HeaderDeidentifier) -> None:
    originals = [_load(shared_data, SIEMENS), _load(shared_data, SIEMENS_2)]
    assert originals[0].SeriesInstanceUID == originals[1].SeriesInstanceUID
    outs = [deid.deidentify(ds, pixels_cleaned=False).dataset for ds in originals]

    assert outs[0].StudyInstanceUID == outs[1].StudyInstanceUID == deid.uid(originals[0].StudyInstanceUID)
    assert outs[0].SeriesInstanceUID == outs[1].SeriesInstanceUID != originals[0].SeriesInstanceUID
    assert outs[0].SOPInstanceUID != outs[1].SOPInstanceUID
    for original, out in zip(originals, outs, strict=True):
        assert out.SOPClassUID == original.SOPClassUID
        assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID
        assert out.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
        refs_in = list(original.ReferencedImageSequence)
        refs_out = list(out.ReferencedImageSequence)
        assert refs_in and len(refs_in) == len(refs_out)
        for ref_in, ref_out in zip(refs_in, refs_out, strict=True):
            assert ref_out.ReferencedSOPInstanceUID == deid.uid(ref_in.ReferencedSOPInstanceUID)
            assert ref_out.ReferencedSOPClassUID == ref_in.ReferencedSOPClassUID


def test_uid_format() -> None:
    deid = HeaderDeidentifier(KEY)
    uid = deid.uid("1.2.3.4")
    assert re.fullmatch(r"2\.25\.[1-9][0-9]*", uid) and len(uid) <= 64
    assert deid.uid("1.2.3.4") == uid != deid.uid("1.2.3.5")
    assert HeaderDeidentifier(b"another-key-0123456").uid("1.2.3.4") != uid


def test_date_shift_per_patient(shared_data: Path, deid: HeaderDeidentifier) -> None:
    mr = _load(shared_data, MR_RLE)
    ct = _load(shared_data, CT)
    assert mr.PatientID != ct.PatientID
    mr_report = deid.deidentify(mr, pixels_cleaned=False)
    ct_report = deid.deidentify(ct, pixels_cleaned=False)
    assert mr_report.date_shift_days != ct_report.date_shift_days
    for report, original in ((mr_report, mr), (ct_report, ct)):
        assert -365 * 5 <= report.date_shift_days <= -30
        days = (_date(report.dataset.StudyDate) - _date(original.StudyDate)).days
        assert days == report.date_shift_days
        assert report.dataset.get("StudyTime") == original.get("StudyTime")  # TM kept


def _date(value: str) -> datetime.date:
    return datetime.datetime.strptime(value, "%Y%m%d").date()


def test_dates_in_sequences_and_datetimes() -> None:
    deid = HeaderDeidentifier(KEY)
    ds = Dataset()
    ds.PatientID = "P1"
    ds.ContentDate = "20200115"
    ds.ContentTime = "103000"
    item = Dataset()
    item.ReferencedDateTime = "20200115103000.5+0100"
    item.Date = "2020"  # partial: cannot be shifted by days, so zeroed
    ds.ContentTemplateSequence = Sequence([item])
    report = deid.deidentify(ds, pixels_cleaned=False)
    out = report.dataset
    shift = deid.date_shift_days("P1")
    assert report.date_shift_days == shift
    assert (_date(out.ContentDate) - _date("20200115")).days == shift
    assert out.ContentTime == "103000"
    dt = out.ContentTemplateSequence[0].ReferencedDateTime
    assert dt.endswith("103000.5+0100") and (_date(dt[:8]) - _date("20200115")).days == shift
    assert out.ContentTemplateSequence[0].Date == ""
    assert report.dates_shifted == 2


def test_input_unchanged(shared_data: Path, deid: HeaderDeidentifier) -> None:
    ds = _load(shared_data, SIEMENS)
    path = shared_data / SIEMENS
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    before = _to_bytes(ds).getvalue()
    report = deid.deidentify(ds, pixels_cleaned=True)
    assert report.dataset is not ds
    assert _to_bytes(ds).getvalue() == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == file_hash


def test_private_overlays_curves_icons_removed(shared_data: Path, deid: HeaderDeidentifier) -> None:
    ds = _load(shared_data, SIEMENS)
    ds.IconImageSequence = Sequence([Dataset()])
    ds.add_new(0x50000005, "US", 2)  # a retired curve element
    assert any(elem.tag.is_private for elem in ds)
    assert any(elem.tag.group == 0x6000 for elem in ds)
    report = deid.deidentify(ds, pixels_cleaned=False)
    out = report.dataset
    assert report.private_removed > 0
    for elem in out.iterall():
        assert not elem.tag.is_private
        assert elem.tag.group & 0xFF00 not in (0x5000, 0x6000)
    assert "IconImageSequence" not in out
    for keyword in ("InstitutionName", "StudyDescription", "SeriesDescription", "OtherPatientIDs", "PatientBirthTime"):
        assert keyword not in out


@pytest.mark.parametrize("pixels_cleaned", [True, False])
def test_method_codes(shared_data: Path, deid: HeaderDeidentifier, pixels_cleaned: bool) -> None:
    original = _load(shared_data, US)
    assert original.BurnedInAnnotation == "YES"
    report = deid.deidentify(original, pixels_cleaned=pixels_cleaned)
    out = report.dataset
    codes = [(item.CodeValue, item.CodingSchemeDesignator) for item in out.DeidentificationMethodCodeSequence]
    expected = ["113100", "113107", "113105"] + (["113101"] if pixels_cleaned else [])
    assert sorted(value for value, _ in codes) == sorted(expected)
    assert {scheme for _, scheme in codes} == {"DCM"}
    assert out.PatientIdentityRemoved == "YES"
    assert out.LongitudinalTemporalInformationModified == "MODIFIED"
    assert out.DeidentificationMethod
    assert out.BurnedInAnnotation == ("NO" if pixels_cleaned else "YES")
    assert ("clean_pixel_data" in report.options) is pixels_cleaned
    assert set(report.options) <= set(OPTION_CODES)


@pytest.mark.parametrize("rel", [MR_RLE, SIEMENS, US, PRESIDIO])
def test_output_saves_and_rereads(shared_data: Path, deid: HeaderDeidentifier, rel: str) -> None:
    original = _load(shared_data, rel)
    out = deid.deidentify(original, pixels_cleaned=True).dataset
    again = pydicom.dcmread(_to_bytes(out))
    assert again.PatientIdentityRemoved == "YES"
    assert again.SOPInstanceUID == out.SOPInstanceUID
    assert again.PixelData == original.PixelData
    assert again.file_meta.ImplementationClassUID == pydicom.uid.PYDICOM_IMPLEMENTATION_UID
    name, patient_id = deid.pseudonym(str(original.PatientID), str(original.get("IssuerOfPatientID", "")))
    assert (str(again.PatientName), again.PatientID) == (name, patient_id)
    assert re.fullmatch(r"ANON\^[0-9A-F]{8}", name) and re.fullmatch(r"[0-9A-F]{12}", patient_id)


def test_pseudonym_mapping(shared_data: Path) -> None:
    original = _load(shared_data, MR_RLE)
    deid = HeaderDeidentifier(KEY, pseudonyms={str(original.PatientID): ("SUBJECT^001", "S001")})
    out = deid.deidentify(original, pixels_cleaned=False).dataset
    assert (str(out.PatientName), out.PatientID) == ("SUBJECT^001", "S001")


def test_report_and_repr_carry_no_phi(shared_data: Path, deid: HeaderDeidentifier) -> None:
    original = _load(shared_data, US)
    report = deid.deidentify(original, pixels_cleaned=False)
    text = repr(report) + repr(deid)
    for value in (str(original.PatientName), str(original.PatientID), str(original.StudyDate)):
        assert value not in text
    assert "test-key" not in repr(deid)


def test_bad_key() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        HeaderDeidentifier(b"short")
    with pytest.raises(TypeError, match="bytes"):
        HeaderDeidentifier("a text key of many chars")  # type: ignore[arg-type]


def test_profile_keywords_exist() -> None:
    unknown = [keyword for keyword in BASIC_PROFILE if tag_for_keyword(keyword) is None]
    assert not unknown
