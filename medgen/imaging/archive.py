"""Safe reading of a .zip upload (a DICOM series exported as one archive).

Refused, with a clear message and nothing extracted to disk: path traversal or absolute names,
symbolic links, nested archives, more than :data:`MAX_ENTRIES` files, more than
:data:`MAX_TOTAL_BYTES` uncompressed, or any entry whose compression ratio exceeds
:data:`MAX_RATIO` (a decompression bomb). Sizes are enforced while reading, not trusted from
the archive's directory.
"""

from __future__ import annotations

import io
import logging
import stat
import zipfile
from pathlib import PurePosixPath

from medgen.errors import ArchiveError, FileTooLargeError

log = logging.getLogger(__name__)

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200.0
_CHUNK = 1024 * 1024
_SKIP_NAMES = {"DICOMDIR", ".DS_Store", "Thumbs.db", "desktop.ini"}


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name:
        return True
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in PurePosixPath(name).parts


def extract_zip(
    data: bytes,
    filename: str,
    *,
    max_entries: int = MAX_ENTRIES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
) -> list[tuple[str, bytes]]:
    """Return ``[(entry name, bytes), ...]`` for the regular files of a zip, in memory only."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(
            f"{filename} is not a readable zip archive (it may be damaged or incomplete). "
            "Create the zip again and upload it."
        ) from exc
    if len(infos) > max_entries:
        raise ArchiveError(
            f"{filename} holds {len(infos)} entries; at most {max_entries} are accepted. "
            "Upload one series per zip."
        )
    for info in infos:
        if _unsafe_name(info.filename):
            raise ArchiveError(
                f"{filename} contains an unsafe file path ({info.filename!r}) that points outside "
                "the archive. It was refused; create the zip again from the series folder."
            )
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise ArchiveError(
                f"{filename} contains a symbolic link ({info.filename!r}); links are refused. "
                "Create the zip again with the image files themselves."
            )
    declared = sum(i.file_size for i in infos)
    if declared > max_total_bytes:
        raise FileTooLargeError(
            f"{filename} would expand to {declared / 2**20:.0f} MB, more than the "
            f"{max_total_bytes / 2**20:.0f} MB accepted. Upload a smaller series."
        )
    out: list[tuple[str, bytes]] = []
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        base = PurePosixPath(info.filename).name
        if base in _SKIP_NAMES or info.filename.startswith("__MACOSX/") or base.startswith("._"):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{filename} is password-protected. Upload an unencrypted zip.")
        buf = bytearray()
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    buf += chunk
                    total += len(chunk)
                    ratio = len(buf) / max(info.compress_size, 1)
                    if len(buf) > 10 * _CHUNK and ratio > max_ratio:
                        raise ArchiveError(
                            f"{filename} looks like a decompression bomb ({info.filename!r} expands "
                            f"more than {max_ratio:.0f}-fold). It was refused."
                        )
                    if total > max_total_bytes:
                        raise FileTooLargeError(
                            f"{filename} expands to more than {max_total_bytes / 2**20:.0f} MB. "
                            "Upload a smaller series."
                        )
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            log.info("zip entry unreadable: %s", type(exc).__name__)
            raise ArchiveError(
                f"{filename} is damaged: an entry could not be decompressed. "
                "Create the zip again and upload it."
            ) from exc
        except RuntimeError as exc:  # zipfile raises RuntimeError for encrypted entries
            raise ArchiveError(f"{filename} could not be opened ({exc}).") from exc
        if is_zip(bytes(buf[:4])):
            raise ArchiveError(
                f"{filename} contains another zip ({info.filename!r}); nested archives are not "
                "accepted. Upload the inner archive directly."
            )
        out.append((info.filename, bytes(buf)))
    if not out:
        raise ArchiveError(f"{filename} holds no files. Add the series' DICOM files to the zip.")
    return out
