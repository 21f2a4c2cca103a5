"""The app's background load of the language model (medgen.text.warmup.ModelLoading, started by medgen.ui.text), real smollm2-135m."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medgen.errors import ModelError
from medgen.text.llm import GenerationParams
from medgen.text.prompts import report_messages


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from medgen.config import get_settings

    monkeypatch.setenv("MEDGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDGEN_LM_THREADS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_loads_in_the_background_warms_the_report_prompt_first_and_saves_states(tmp_path: Path) -> None:
    from medgen.text.warmup import ModelLoading

    loading = ModelLoading("smollm2-135m", "cpu", "llamacpp")  # returns at once; the thread loads
    lm = loading.result(timeout=120)
    assert loading.ready and loading.error is None and lm.name == "smollm2-135m"
    assert report_messages("")[0]["content"] in lm._prefixes  # type: ignore[attr-defined]
    assert loading.background is not None
    loading.background.join(120)  # then the patient-text prompts, while idle
    assert loading.background.done == 2
    saved = list((tmp_path / "cache" / "lm" / "prompt-state").glob("*.kv"))
    assert len(saved) == 3  # a later process reads these instead of evaluating
    assert lm.generate(report_messages("FINDINGS: No nodule.\nIMPRESSION: Normal."),
                       GenerationParams(max_new_tokens=4))
    assert lm.last_prefix_hit > 30  # type: ignore[attr-defined]
    lm.close()  # type: ignore[attr-defined]


def test_a_failed_load_raises_a_model_error_for_the_page(tmp_path: Path) -> None:
    from medgen.text.warmup import ModelLoading

    loading = ModelLoading(str(tmp_path / "missing.gguf"), "cpu", "llamacpp")
    assert loading.wait(60)
    with pytest.raises(ModelError, match="neither a known model"):
        loading.result()
