"""Writing files so that nobody ever reads half of one, and hashing them.

Every file pixelsvc writes (de-identified DICOM, preview PNGs, the converted-model cache)
goes through `write_atomic`: a hidden temporary file in the target folder, flushed to
disk, optionally checked, then renamed over the target. A failure at any step removes
the temporary file and leaves an existing target untouched.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["PART_SUFFIX", "make_private_dirs", "remove_stale_parts", "sha256_file", "write_atomic"]

PART_SUFFIX = ".part"
"""Temporary files of `write_atomic` are ``.<name>.<random>.part`` beside their target."""


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
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{PART_SUFFIX}")
    # O_EXCL | O_NOFOLLOW: a planted file or link at the temporary name is never written through
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(temp)
        if mode is not None:
            os.chmod(temp, mode, follow_symlinks=False)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def make_private_dirs(root: Path, folder: Path, mode: int = 0o700) -> None:
    """Create `folder` (inside `root`) one level at a time, owner-only, never through a symbolic link.

    `root` itself may be a link (the caller chose it); a link or non-folder planted at any level
    below it raises instead of sending the output elsewhere. The mode is set explicitly, so it
    does not depend on the process umask.

    Raises:
        OSError: a level is a symbolic link or not a folder, or cannot be created.
    """
    relative = folder.relative_to(root)
    root.mkdir(mode=mode, parents=True, exist_ok=True)
    current = root
    for part in relative.parts:
        current = current / part
        try:
            os.mkdir(current, mode)
            os.chmod(current, mode)
        except FileExistsError:
            info = os.lstat(current)
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
                raise OSError(errno.ELOOP, "an output folder level is a symbolic link or not a folder; refusing to "
                                           "write through it") from None


def remove_stale_parts(root: Path) -> int:
    """Delete the temporary files a killed run left under `root` (never following links); returns how many."""
    removed = 0
    for folder, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            if name.startswith(".") and name.endswith(PART_SUFFIX):
                path = Path(folder) / name
                if not path.is_symlink():
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed
