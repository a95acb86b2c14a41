"""Models for users in China: a Hub mirror (HF_ENDPOINT, the saved endpoint setting) and ModelScope, tested
offline against local servers that play them, with progress and cancel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.errors import ModelError
from core.models.sources import DownloadCancelled, hub_endpoint, model_source, save_settings
from tests.fake_hubs import serve_models
from tests.tiny import build_tiny_bert


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture()
def fresh_caches(tmp_path, monkeypatch):
    """Empty Hugging Face and ModelScope caches (huggingface_hub reads its paths at import: set them there too)."""
    from huggingface_hub import constants

    for name in ("HF_ENDPOINT", "STUDIO_MODEL_SOURCE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.setenv(name, "")  # recorded, so that what save_settings exports is undone after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path / "modelscope"))
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path


def test_a_hub_id_downloads_from_the_endpoint_set_for_this_workspace(tiny_folder, fresh_caches, monkeypatch):
    from core.models.resolve import resolve_model

    seen = []
    with serve_models({"studio-test/tiny-bert": tiny_folder}) as mirror:
        save_settings(hub_endpoint=mirror.url)  # what `models --hub-endpoint URL` and the Model page do
        assert hub_endpoint() == mirror.url
        from core.models.hub import resolve_hub

        folder = resolve_hub("studio-test/tiny-bert", False, progress=lambda done, total, what: seen.append(done))
        assert any("/studio-test/tiny-bert/resolve/" in p for p in mirror.asked)
    assert (folder / "config.json").read_bytes() == (tiny_folder / "config.json").read_bytes()
    assert str(fresh_caches / "hf") in str(folder) and seen  # into the cache, with progress along the way
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve_model("studio-test/tiny-bert") == folder  # the mirror is gone: the cache answers


def test_a_download_can_be_cancelled(tiny_folder, fresh_caches):
    from core.models.hub import resolve_hub

    cancel = threading.Event()
    cancel.set()
    with serve_models({"studio-test/tiny-bert": tiny_folder}) as mirror:
        save_settings(hub_endpoint=mirror.url)
        with pytest.raises(DownloadCancelled):
            resolve_hub("studio-test/tiny-bert", False, cancel=cancel)


def test_modelscope_as_the_source(tiny_folder, fresh_caches, monkeypatch):
    from core.models.loading import load_tokenizer
    from core.models.resolve import resolve_model

    with serve_models({"studio-test/tiny-bert": tiny_folder}) as modelscope:
        monkeypatch.setenv("STUDIO_MODELSCOPE_ENDPOINT", modelscope.url)
        save_settings(source="modelscope")
        assert model_source() == "modelscope"
        folder = resolve_model("studio-test/tiny-bert")
        assert any(p.startswith("/api/v1/models/studio-test/tiny-bert/repo/files") for p in modelscope.asked)
        with pytest.raises(ModelError, match="no model called 'nobody/nothing' on ModelScope"):
            resolve_model("nobody/nothing")
    assert folder == fresh_caches / "modelscope" / "studio-test" / "tiny-bert"
    assert load_tokenizer(str(folder)).tokenize("good film") == ["good", "film"]
    assert resolve_model("studio-test/tiny-bert") == folder  # the server is gone: the finished download answers


def test_the_model_page_saves_a_mirror_and_downloads_from_it(tiny_folder, fresh_caches, open_page):
    from tests.pagetext import assert_no_error
    from ui.state import load_choices

    with serve_models({"studio-test/tiny-bert": tiny_folder}) as mirror:
        at = open_page("model").run()
        at.text_input(key="model_endpoint").input(mirror.url).run()
        assert_no_error(at)
        assert hub_endpoint() == mirror.url  # saved for the workspace, and exported for workers started from here
        at.text_input[0].input("studio-test/tiny-bert")
        next(b for b in at.button if b.label == "Fetch and use").click().run()
        assert_no_error(at)
        assert any("/studio-test/tiny-bert/resolve/" in p for p in mirror.asked)
    assert load_choices(fresh_caches / "workspace").config.model == "studio-test/tiny-bert"
