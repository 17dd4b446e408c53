"""Writing files so that nobody ever reads half of one, and hashing them.

Every file pixelsvc writes (de-identified DICOM, preview PNGs, the converted-model cache)
goes through `write_atomic`: a hidden temporary file in the target folder, flushed to
disk, optionally checked, then renamed over the target. A failure at any step removes
the temporary file and leaves an existing target untouched.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["sha256_file", "write_atomic"]


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, write: Callable[[BinaryIO], None], *, mode: int | None = None,
                 check: Callable[[Path], None] | None = None) -> None:
    """Write `path` through `write(file)`, all or nothing.

    Args:
        path: the target; its folder must exist.
        write: writes the whole content to the open binary file.
        mode: exact permissions of the result (0o600 for files that show PHI, 0o644 for a
            shared cache). None: the usual 0o666 less the process umask. With a mode, the
            temporary file is created owner-only, so the content is never more readable
            than `mode` allows.
        check: called on the complete temporary file before the rename; raising stops it.

    Raises:
        OSError: the file could not be written; whatever `write` or `check` raise.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(temp)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
