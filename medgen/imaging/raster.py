"""PNG / JPEG / TIFF (8 and 16 bit, grey or colour) -> Scan.

Embedded text (PNG tEXt, EXIF, TIFF tags) is never read, so nothing identifying is carried over.
Image decompression bombs are refused from the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from medgen.errors import FileTooLargeError, InvalidInputError, UnsupportedFileError
from medgen.imaging.header import ScanHeader
from medgen.imaging.scan import Scan, content_hash
from medgen.types import Modality

log = logging.getLogger(__name__)

#: Largest plain image accepted (pixels per frame); a mammogram is ~30 million.
MAX_PIXELS = 100_000_000
MAX_PAGES = 1000
FORMATS = {"PNG", "JPEG", "TIFF", "MPO"}

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def looks_like_image(data: bytes) -> bool:
    return data.startswith(_SIGNATURES)


def _frame_array(im: Image.Image) -> tuple[np.ndarray, bool]:
    """(float32 2-D array, was_colour) for one frame."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "CMYK", "YCbCr", "P", "PA", "LA", "RGBX", "LAB", "HSV"):
        if mode in ("LA", "PA"):
            im = im.convert("L") if mode == "LA" else im.convert("RGB")
        if im.mode == "L":
            return np.asarray(im, dtype=np.float32), False
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32)
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
            return rgb[..., 0].copy(), False  # grey stored as RGB
        luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
        return luma, True
    if mode == "1":
        return np.asarray(im, dtype=np.float32) * 255.0, False
    arr = np.asarray(im)
    if arr.ndim != 2:
        raise InvalidInputError(f"Unsupported image layout (mode {mode}).")
    return arr.astype(np.float32), False


def load_raster(data: bytes, filename: str) -> Scan:
    """Decode a PNG, JPEG or TIFF (multi-page TIFF of equal-size pages -> 3-D)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            fmt = im.format or ""
            w, h = im.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileTooLargeError(
            f"{filename} declares an image far larger than its file size (a decompression bomb); "
            "it was refused."
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedFileError(
            f"{filename} is not a readable PNG, JPEG or TIFF image. Upload DICOM or one of "
            "these formats."
        ) from exc
    if fmt not in FORMATS:
        raise UnsupportedFileError(
            f"{filename} is a {fmt or 'unknown'} image; upload DICOM, PNG, JPEG or TIFF."
        )
    if w <= 0 or h <= 0 or w * h > MAX_PIXELS:
        raise FileTooLargeError(
            f"{filename} declares {w}x{h} pixels, more than the {MAX_PIXELS // 1_000_000} million "
            "this viewer accepts (or a decompression bomb). Upload a smaller image."
        )
    n_pages = int(getattr(im, "n_frames", 1) or 1)
    if n_pages > MAX_PAGES:
        raise FileTooLargeError(f"{filename} has {n_pages} pages; at most {MAX_PAGES} are accepted.")
    frames: list[np.ndarray] = []
    colour = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            for i in range(n_pages if fmt == "TIFF" else 1):
                im.seek(i)
                if im.size != (w, h):
                    raise InvalidInputError(
                        f"{filename} has pages of different sizes; upload each page as its own image."
                    )
                im.load()
                arr, was_colour = _frame_array(im)
                colour |= was_colour
                frames.append(arr)
    except InvalidInputError:
        raise
    except Exception as exc:  # truncated or corrupt streams raise several PIL/zlib types
        log.info("image decoding failed: %s", type(exc).__name__)
        raise InvalidInputError(
            f"{filename} could not be decoded: the image is damaged or truncated. "
            "Save it again and upload the new copy."
        ) from exc
    pixels = frames[0] if len(frames) == 1 else np.stack(frames)
    bits = 16 if any(f.max(initial=0) > 255 for f in frames) or im.mode.startswith("I;16") else 8
    notes = ["Colour image shown as single-channel luminance (greyscale)."] if colour else []
    header = ScanHeader.for_image(h, w, n_frames=len(frames), image_format=fmt, mode=im.mode,
                                  bits=bits, notes=notes)
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    return Scan(
        pixels=pixels,
        modality=Modality.OT,
        pixel_spacing=None,
        slice_spacing=None,
        is_hu=False,
        header=header,
        content_hash=content_hash(pixels),
        default_window=None,
    )
