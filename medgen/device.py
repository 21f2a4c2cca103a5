"""One device choice for every torch model: language model, GAN inference and training.

``auto`` means CUDA if available, then Apple MPS, then CPU. An explicit device (``cpu``,
``cuda``, ``cuda:1``, ``mps``) is used as given, and one that this machine does not have is an
error that says what to set instead (a silent fallback would hide a mis-configured server).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from medgen.config import get_settings
from medgen.errors import ModelError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def select_device(setting: str | None = None) -> torch.device:
    """The torch device for ``setting`` (default: ``Settings.device``, i.e. ``MEDGEN_DEVICE``).

    Parameters
    ----------
    setting
        ``"auto"`` (or empty/None: the configured setting) picks CUDA, then MPS, then CPU.
        Anything else is a torch device string and must be available here.

    Raises
    ------
    ModelError
        The string is not a device name, or names a device this machine does not have.
    """
    import torch

    req = (setting or get_settings().device or "auto").strip().lower()
    if req == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(req)
    except RuntimeError as exc:
        raise ModelError(
            f"MEDGEN_DEVICE={req!r} is not a device name; use auto, cpu, cuda or mps."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ModelError(
                "MEDGEN_DEVICE asks for 'cuda' but no CUDA GPU is available here; "
                "set MEDGEN_DEVICE=auto or cpu."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ModelError(
                f"MEDGEN_DEVICE asks for {req!r} but this machine has "
                f"{torch.cuda.device_count()} CUDA GPU(s); set MEDGEN_DEVICE=cuda or auto."
            )
    elif dev.type == "mps":
        if not _mps_available():
            raise ModelError(
                "MEDGEN_DEVICE asks for 'mps' but Apple MPS is not available here; "
                "set MEDGEN_DEVICE=auto or cpu."
            )
    elif dev.type != "cpu":
        raise ModelError(
            f"MEDGEN_DEVICE={req!r} is not supported; use auto, cpu, cuda or mps."
        )
    return dev
