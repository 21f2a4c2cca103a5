"""One device choice (medgen.device.select_device) for the LM, GAN inference and training."""

from __future__ import annotations

import pytest
import torch

from medgen import config
from medgen.device import select_device
from medgen.errors import ModelError


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.fixture
def settings_env(monkeypatch):
    config.get_settings.cache_clear()
    yield monkeypatch
    config.get_settings.cache_clear()


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert select_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert select_device("auto") == torch.device("cpu")
    assert select_device(" AUTO ") == torch.device("cpu")


def test_explicit_devices(no_gpu):
    assert select_device("cpu") == torch.device("cpu")
    with pytest.raises(ModelError, match="no CUDA GPU"):
        select_device("cuda")
    with pytest.raises(ModelError, match="no CUDA GPU"):
        select_device("cuda:1")
    with pytest.raises(ModelError, match="MPS is not available"):
        select_device("mps")
    with pytest.raises(ModelError, match="not a device name"):
        select_device("gpu0")
    with pytest.raises(ModelError, match="not supported"):
        select_device("meta")


def test_cuda_index_beyond_the_gpus_is_an_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert select_device("cuda:0") == torch.device("cuda", 0)
    with pytest.raises(ModelError, match="1 CUDA GPU"):
        select_device("cuda:3")


def test_default_is_the_medgen_device_setting(settings_env, no_gpu):
    settings_env.setenv("MEDGEN_DEVICE", "cpu")
    config.get_settings.cache_clear()
    assert select_device() == torch.device("cpu")
    settings_env.setenv("MEDGEN_DEVICE", "cuda")
    config.get_settings.cache_clear()
    with pytest.raises(ModelError, match="MEDGEN_DEVICE"):
        select_device()
    with pytest.raises(ModelError, match="MEDGEN_DEVICE"):
        select_device(None)
    assert select_device("cpu") == torch.device("cpu")  # an explicit argument wins


def test_training_uses_the_same_choice(no_gpu, tmp_path):
    from medgen.enhance.train import TrainConfig, train

    threads = torch.get_num_threads()
    try:
        with pytest.raises(ModelError, match="no CUDA GPU"):
            train(TrainConfig(data_dir=str(tmp_path / "none"), out_dir=str(tmp_path / "out"),
                              device="cuda", threads=1))
    finally:
        torch.set_num_threads(threads)
    assert not (tmp_path / "out").exists()  # refused before any output is written
