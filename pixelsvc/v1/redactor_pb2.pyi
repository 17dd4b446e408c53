from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Policy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_UNSPECIFIED: _ClassVar[Policy]
    POLICY_PHI: _ClassVar[Policy]
    POLICY_ALL_TEXT: _ClassVar[Policy]
    POLICY_DETECT_ONLY: _ClassVar[Policy]

class PhotometricInterpretation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHOTOMETRIC_INTERPRETATION_UNSPECIFIED: _ClassVar[PhotometricInterpretation]
    PHOTOMETRIC_INTERPRETATION_MONOCHROME1: _ClassVar[PhotometricInterpretation]
    PHOTOMETRIC_INTERPRETATION_MONOCHROME2: _ClassVar[PhotometricInterpretation]
    PHOTOMETRIC_INTERPRETATION_RGB: _ClassVar[PhotometricInterpretation]
POLICY_UNSPECIFIED: Policy
POLICY_PHI: Policy
POLICY_ALL_TEXT: Policy
POLICY_DETECT_ONLY: Policy
PHOTOMETRIC_INTERPRETATION_UNSPECIFIED: PhotometricInterpretation
PHOTOMETRIC_INTERPRETATION_MONOCHROME1: PhotometricInterpretation
PHOTOMETRIC_INTERPRETATION_MONOCHROME2: PhotometricInterpretation
PHOTOMETRIC_INTERPRETATION_RGB: PhotometricInterpretation

class ImageDescription(_message.Message):
    __slots__ = ("rows", "columns", "samples_per_pixel", "bits_allocated", "bits_stored", "signed", "photometric_interpretation", "number_of_frames")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_PIXEL_FIELD_NUMBER: _ClassVar[int]
    BITS_ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    BITS_STORED_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FIELD_NUMBER: _ClassVar[int]
    PHOTOMETRIC_INTERPRETATION_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_FRAMES_FIELD_NUMBER: _ClassVar[int]
    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric_interpretation: PhotometricInterpretation
    number_of_frames: int
    def __init__(self, rows: _Optional[int] = ..., columns: _Optional[int] = ..., samples_per_pixel: _Optional[int] = ..., bits_allocated: _Optional[int] = ..., bits_stored: _Optional[int] = ..., signed: _Optional[bool] = ..., photometric_interpretation: _Optional[_Union[PhotometricInterpretation, str]] = ..., number_of_frames: _Optional[int] = ...) -> None: ...

class PhiContext(_message.Message):
    __slots__ = ("names", "ids", "dates", "times", "ages", "institutions", "other")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    DATES_FIELD_NUMBER: _ClassVar[int]
    TIMES_FIELD_NUMBER: _ClassVar[int]
    AGES_FIELD_NUMBER: _ClassVar[int]
    INSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    ids: _containers.RepeatedScalarFieldContainer[str]
    dates: _containers.RepeatedScalarFieldContainer[str]
    times: _containers.RepeatedScalarFieldContainer[str]
    ages: _containers.RepeatedScalarFieldContainer[str]
    institutions: _containers.RepeatedScalarFieldContainer[str]
    other: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ..., ids: _Optional[_Iterable[str]] = ..., dates: _Optional[_Iterable[str]] = ..., times: _Optional[_Iterable[str]] = ..., ages: _Optional[_Iterable[str]] = ..., institutions: _Optional[_Iterable[str]] = ..., other: _Optional[_Iterable[str]] = ...) -> None: ...

class SeriesHeader(_message.Message):
    __slots__ = ("image", "phi_context", "policy", "return_text")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    PHI_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    RETURN_TEXT_FIELD_NUMBER: _ClassVar[int]
    image: ImageDescription
    phi_context: PhiContext
    policy: Policy
    return_text: bool
    def __init__(self, image: _Optional[_Union[ImageDescription, _Mapping]] = ..., phi_context: _Optional[_Union[PhiContext, _Mapping]] = ..., policy: _Optional[_Union[Policy, str]] = ..., return_text: _Optional[bool] = ...) -> None: ...

class FrameChunk(_message.Message):
    __slots__ = ("frame_index", "offset", "data")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    offset: int
    data: bytes
    def __init__(self, frame_index: _Optional[int] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class RedactSeriesRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: SeriesHeader
    chunk: FrameChunk
    def __init__(self, header: _Optional[_Union[SeriesHeader, _Mapping]] = ..., chunk: _Optional[_Union[FrameChunk, _Mapping]] = ...) -> None: ...

class Box(_message.Message):
    __slots__ = ("x0", "y0", "x1", "y1")
    X0_FIELD_NUMBER: _ClassVar[int]
    Y0_FIELD_NUMBER: _ClassVar[int]
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    x0: int
    y0: int
    x1: int
    y1: int
    def __init__(self, x0: _Optional[int] = ..., y0: _Optional[int] = ..., x1: _Optional[int] = ..., y1: _Optional[int] = ...) -> None: ...

class Region(_message.Message):
    __slots__ = ("box", "label", "confidence", "masked", "rule", "text")
    BOX_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    box: Box
    label: str
    confidence: float
    masked: bool
    rule: str
    text: str
    def __init__(self, box: _Optional[_Union[Box, _Mapping]] = ..., label: _Optional[str] = ..., confidence: _Optional[float] = ..., masked: _Optional[bool] = ..., rule: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class FrameResult(_message.Message):
    __slots__ = ("frame_index", "regions", "changed", "mask_boxes", "deduplicated")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    MASK_BOXES_FIELD_NUMBER: _ClassVar[int]
    DEDUPLICATED_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    changed: bool
    mask_boxes: _containers.RepeatedCompositeFieldContainer[Box]
    deduplicated: bool
    def __init__(self, frame_index: _Optional[int] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ..., changed: _Optional[bool] = ..., mask_boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ..., deduplicated: _Optional[bool] = ...) -> None: ...

class RedactSeriesResponse(_message.Message):
    __slots__ = ("result", "chunk")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    result: FrameResult
    chunk: FrameChunk
    def __init__(self, result: _Optional[_Union[FrameResult, _Mapping]] = ..., chunk: _Optional[_Union[FrameChunk, _Mapping]] = ...) -> None: ...

class RedactFrameRequest(_message.Message):
    __slots__ = ("header", "pixels")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PIXELS_FIELD_NUMBER: _ClassVar[int]
    header: SeriesHeader
    pixels: bytes
    def __init__(self, header: _Optional[_Union[SeriesHeader, _Mapping]] = ..., pixels: _Optional[bytes] = ...) -> None: ...

class RedactFrameResponse(_message.Message):
    __slots__ = ("result", "pixels")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    PIXELS_FIELD_NUMBER: _ClassVar[int]
    result: FrameResult
    pixels: bytes
    def __init__(self, result: _Optional[_Union[FrameResult, _Mapping]] = ..., pixels: _Optional[bytes] = ...) -> None: ...
