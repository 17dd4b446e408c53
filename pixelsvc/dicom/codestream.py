"""Walk one encoded frame's codestream: its declared size, and where the stream really ends.

The decoders read what a codestream declares and stop where it ends; anything past that
end (a second JPEG stream, text after EOI, slack in an RLE segment) is never decoded, so
it must never be written out as if it had been checked. These walkers read only marker
structure (no entropy decoding) and return:

* the image size the stream itself declares (JPEG / JPEG-LS SOF, J2K SIZ, RLE header), to be
  checked against (0028,0010) Rows and (0028,0011) Columns *before* a decoder allocates;
* the bytes of the frame that the decoder analyses, with JPEG comment and application
  segments (other than JFIF APP0 and Adobe APP14, which change colour decoding) and J2K
  main-header comments dropped: they can hold text and are never displayed.

Every function raises `DecodeError` for a stream that cannot be walked: fail closed.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass

from pixelsvc.errors import DecodeError

__all__ = ["Codestream", "walk_deflate", "walk_j2k", "walk_jpeg", "walk_rle"]

_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
"""Start-of-frame markers: JPEG processes 1-14 and JPEG-LS SOF55 (0xF7)."""
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"


@dataclass(frozen=True, slots=True)
class Codestream:
    """What a walker found in one frame's bytes."""

    data: bytes
    """The bytes the decoder analyses, nothing after the end of the stream."""
    rows: int
    columns: int
    components: int
    precision: int
    dropped: int
    """Bytes of the input not in `data`: past the end, or comment/application segments."""


def _be16(data: bytes, pos: int) -> int:
    if pos + 2 > len(data):
        raise DecodeError("codestream is truncated inside a marker segment")
    return int.from_bytes(data[pos:pos + 2], "big")


def walk_jpeg(data: bytes, *, jpeg_ls: bool = False) -> Codestream:
    """Walk a JPEG (ISO 10918) or JPEG-LS (ISO 14495) stream from SOI to EOI."""
    if data[:2] != b"\xff\xd8":
        raise DecodeError("JPEG frame does not start with an SOI marker (FFD8)")
    kept = bytearray(b"\xff\xd8")
    pos, size = 2, None
    lse_size: tuple[int, int] | None = None
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise DecodeError(f"JPEG frame has no marker at byte {pos}; the stream is corrupt")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise DecodeError("JPEG frame ends without an EOI marker (FFD9)")
        marker = data[pos]
        start, pos = pos - 1, pos + 1
        if marker == 0xD9:
            kept += b"\xff\xd9"
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone markers
            kept += data[start:pos]
            continue
        length = _be16(data, pos)
        if length < 2 or pos + length > len(data):
            raise DecodeError(f"JPEG marker FF{marker:02X} segment of {length} bytes runs past the frame")
        segment = data[pos + 2:pos + length]
        pos += length
        if marker in _JPEG_SOF:
            if len(segment) < 6:
                raise DecodeError(f"JPEG SOF marker FF{marker:02X} segment is too short")
            if size is not None:
                raise DecodeError("JPEG frame holds more than one SOF marker (several images in one frame)")
            size = (segment[0], int.from_bytes(segment[1:3], "big"), int.from_bytes(segment[3:5], "big"), segment[5])
        if marker == 0xF8 and jpeg_ls and segment[:1] == b"\x04" and len(segment) >= 2:
            width = segment[1]  # LSE id 4: oversize image dimensions
            if width not in (2, 3, 4) or len(segment) < 2 + 2 * width:
                raise DecodeError("JPEG-LS LSE oversize-dimension segment is malformed")
            lse_size = (int.from_bytes(segment[2:2 + width], "big"), int.from_bytes(segment[2 + width:2 + 2 * width],
                                                                                    "big"))
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            # comments and application data (EXIF, ICC, thumbnails...) are never displayed but may hold
            # text: keep only the fixed part of those that change decoding, drop the rest
            essential = _essential_app(marker, segment, jpeg_ls)
            if essential is not None:
                kept += bytes([0xFF, marker]) + (len(essential) + 2).to_bytes(2, "big") + essential
        else:
            kept += data[start:pos]
        if marker == 0xDA:
            scan_end = _entropy_end(data, pos, jpeg_ls)
            kept += data[pos:scan_end]
            pos = scan_end
    if size is None:
        raise DecodeError("JPEG frame has no SOF marker: its image size is unknown")
    precision, rows, columns, components = size
    if lse_size is not None:
        rows, columns = lse_size
    if rows == 0:
        raise DecodeError("JPEG frame declares 0 lines (a DNL marker gives the height); this is not supported")
    return Codestream(bytes(kept), rows, columns, components, precision, len(data) - len(kept))


def _essential_app(marker: int, segment: bytes, jpeg_ls: bool) -> bytes | None:
    """The part of an APPn segment a decoder uses: JFIF without its thumbnail, Adobe's colour transform,
    the JPEG-LS HP colour transform (APP8 'mrfx'); None for everything else."""
    if marker == 0xE0 and segment[:5] == b"JFIF\0" and len(segment) >= 12:
        return segment[:12] + b"\0\0"  # version, units, density; thumbnail 0 x 0
    if marker == 0xEE and segment[:5] == b"Adobe" and len(segment) >= 12:
        return segment[:12]
    if marker == 0xE8 and jpeg_ls and segment[:4] == b"mrfx" and len(segment) >= 5:
        return segment[:5]
    return None


def _entropy_end(data: bytes, pos: int, jpeg_ls: bool) -> int:
    """Index of the marker that ends the entropy-coded segment starting at `pos`."""
    while True:
        i = data.find(b"\xff", pos)
        if i < 0 or i + 1 >= len(data):
            raise DecodeError("JPEG frame ends inside entropy-coded data, without an EOI marker (FFD9)")
        following = data[i + 1]
        if following == 0xFF:  # fill before a marker
            pos = i + 1
        elif (jpeg_ls and following < 0x80) or (not jpeg_ls and following == 0x00) or 0xD0 <= following <= 0xD7:
            pos = i + 2  # stuffed byte or restart marker: still entropy-coded data
        else:
            return i


def walk_j2k(data: bytes) -> Codestream:
    """Walk a JPEG 2000 codestream (ISO 15444-1 / -15) from SOC to EOC; a JP2 wrapper is reduced to its codestream."""
    dropped = 0
    if data.startswith(_JP2_SIGNATURE):
        inner = _jp2_codestream(data)
        dropped = len(data) - len(inner)
        data = inner
    if data[:4] != b"\xff\x4f\xff\x51":
        raise DecodeError("JPEG 2000 frame does not start with SOC and SIZ markers (FF4F FF51)")
    kept = bytearray(b"\xff\x4f")
    pos, size = 2, None
    while True:  # main header
        marker = _be16(data, pos)
        if marker == 0xFF90:
            break
        if marker >> 8 != 0xFF:
            raise DecodeError(f"JPEG 2000 main header has no marker at byte {pos}")
        length = _be16(data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise DecodeError(f"JPEG 2000 marker {marker:04X} segment runs past the frame")
        if marker == 0xFF51:
            segment = data[pos + 4:end]
            if len(segment) < 36:
                raise DecodeError("JPEG 2000 SIZ segment is too short")
            x, y, x0, y0 = (int.from_bytes(segment[k:k + 4], "big") for k in (2, 6, 10, 14))
            components = int.from_bytes(segment[34:36], "big")
            precision = (segment[36] & 0x7F) + 1 if len(segment) > 36 else 0
            if x <= x0 or y <= y0:
                raise DecodeError("JPEG 2000 SIZ segment declares an empty image")
            size = (precision, y - y0, x - x0, components)
        if marker == 0xFF64:  # COM
            dropped += end - pos
        else:
            kept += data[pos:end]
        pos = end
    if size is None:
        raise DecodeError("JPEG 2000 frame has no SIZ segment")
    body_start = pos
    while True:  # tile-parts
        marker = _be16(data, pos)
        if marker == 0xFFD9:
            pos += 2
            break
        if marker != 0xFF90:
            raise DecodeError(f"JPEG 2000 frame has no SOT or EOC marker at byte {pos}")
        psot = int.from_bytes(data[pos + 6:pos + 10], "big")
        if psot == 0:  # the last tile-part runs to EOC at the end of the data
            end = len(data.rstrip(b"\x00")) if not data.endswith(b"\xff\xd9") else len(data)
            if data[end - 2:end] != b"\xff\xd9":
                raise DecodeError("JPEG 2000 frame's last tile-part has no length and the data does not end in EOC")
            pos = end
            break
        if psot < 14 or pos + psot > len(data):
            raise DecodeError("JPEG 2000 tile-part length runs past the frame")
        _check_tile_part_header(data, pos + 12, pos + psot)
        pos += psot
    kept += data[body_start:pos]
    precision, rows, columns, components = size
    return Codestream(bytes(kept), rows, columns, components, precision, dropped + len(data) - pos)


def _check_tile_part_header(data: bytes, pos: int, end: int) -> None:
    """Refuse a comment in a tile-part header (dropping it would change Psot and any TLM): fail closed."""
    while pos + 4 <= end:
        marker = _be16(data, pos)
        if marker == 0xFF93:  # SOD: the packet data follows
            return
        if marker == 0xFF64:
            raise DecodeError("JPEG 2000 tile-part header holds a comment (COM) segment; it is not accepted")
        if marker >> 8 != 0xFF:
            raise DecodeError("JPEG 2000 tile-part header is malformed")
        pos += 2 + _be16(data, pos + 2)
    raise DecodeError("JPEG 2000 tile-part has no SOD marker")


def _jp2_codestream(data: bytes) -> bytes:
    pos = 0
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        header = 8
        if length == 1:
            length, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif length == 0:
            length = len(data) - pos
        if length < header or pos + length > len(data):
            raise DecodeError("JP2 box runs past the frame")
        if kind == b"jp2c":
            return data[pos + header:pos + length]
        pos += length
    raise DecodeError("JP2 data holds no contiguous codestream box (jp2c)")


def walk_rle(data: bytes, *, segments: int, segment_bytes: int) -> Codestream:
    """Walk an RLE Lossless frame (PS3.5 G): header, then each segment up to the bytes it must decode to.

    Args:
        segments: the segment count the header must declare (samples x bytes per sample).
        segment_bytes: the bytes each segment decodes to (rows x columns, packed for 1-bit).
    """
    if len(data) < 64:
        raise DecodeError("RLE frame is shorter than its 64-byte header")
    count = int.from_bytes(data[0:4], "little")
    offsets = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "little") for i in range(15)]
    if count != segments:
        raise DecodeError(f"RLE frame header declares {count} segments; the pixel module "
                          f"((0028,0002) SamplesPerPixel, (0028,0100) BitsAllocated) needs {segments}")
    starts = offsets[:count]
    if starts[0] != 64 or any(b <= a for a, b in itertools.pairwise(starts)) or starts[-1] >= len(data):
        raise DecodeError("RLE frame header segment offsets are not increasing from byte 64 within the frame")
    stops = [*starts[1:], len(data)]
    rebuilt: list[bytes] = []
    for start, stop in zip(starts, stops, strict=True):
        end = _packbits_end(data, start, stop, segment_bytes)
        rebuilt.append(data[start:end])
    header = bytearray(64)
    header[0:4] = count.to_bytes(4, "little")
    offset = 64
    for i, segment in enumerate(rebuilt):
        header[4 + 4 * i:8 + 4 * i] = offset.to_bytes(4, "little")
        offset += len(segment)
    out = bytes(header) + b"".join(rebuilt)
    return Codestream(out, 0, 0, 0, 0, len(data) - len(out))  # the size is the caller's: no own size fields


def _packbits_end(data: bytes, pos: int, stop: int, need: int) -> int:
    """Where a PackBits segment has produced exactly `need` bytes; anything else fails closed."""
    produced = 0
    while produced < need:
        if pos >= stop:
            raise DecodeError(f"RLE segment ends after {produced} of the {need} bytes a frame needs")
        n = data[pos]
        if n < 128:
            pos += n + 2
            produced += n + 1
        elif n > 128:
            pos += 2
            produced += 257 - n
        else:
            pos += 1
    if pos > stop:
        raise DecodeError("RLE segment's last run reads past the segment")
    if produced != need:
        raise DecodeError(f"RLE segment decodes to {produced} bytes, more than the {need} a frame holds")
    return pos


def walk_deflate(data: bytes, expected: int) -> Codestream:
    """Inflate a Deflated Image Frame (raw deflate) with a bound; it must give exactly `expected` bytes."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, expected + 1)
    except zlib.error as exc:
        raise DecodeError(f"deflated frame is corrupt ({exc})") from None
    if len(out) != expected or inflater.unconsumed_tail or not inflater.eof:
        raise DecodeError(f"deflated frame does not inflate to exactly the {expected} bytes a frame holds")
    used = len(data) - len(inflater.unused_data)
    return Codestream(data[:used], 0, 0, 0, 0, len(data) - used)
