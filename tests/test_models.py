"""Tests for core.models: tiny random encoder/decoder models built here, plus the real packaged MiniLM."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import DataError, ModelError
from core.models import hub
from core.models.catalogue import list_models, suggested_models
from core.models.inspect import ModelInfo, inspect_model
from core.models.languages import CHINESE_CAPABLE_MODELS, guess_languages, language_advice
from core.models.loading import load_classifier, load_tokenizer
from core.models.resolve import DEFAULT_MODEL, resolve_model

SENTENCES = ["the movie was good", "the movie was bad", "a fine film", "what a dull story", "good fun"]
BERT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "good", "bad", "a", "fine",
              "film", "what", "dull", "story", "fun", "正", "面", "负", "中", "性", "好", "电", "影"]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A random 2-layer BERT without a classification head, like the packaged sentence encoder."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("zoo") / "tiny-bert"
    folder.mkdir()
    vocab = BERT_VOCAB + [f"w{i}" for i in range(100 - len(BERT_VOCAB))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast.from_pretrained(folder).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=37, max_position_embeddings=64)
    config.architectures = ["BertModel"]
    BertModel(config).save_pretrained(folder)
    assert (folder / "model.safetensors").is_file()
    return folder


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory) -> Path:
    """A random 2-layer GPT-2 whose tokenizer, like GPT-2's, has no pad token."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, trainers
    from tokenizers.models import BPE
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("zoo") / "tiny-gpt2"
    bpe = Tokenizer(BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(SENTENCES * 3, trainer)
    eos = "<|endoftext|>"
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=eos, bos_token=eos, unk_token=eos)
    tokenizer.save_pretrained(folder)
    eos_id = tokenizer.convert_tokens_to_ids(eos)
    config = GPT2Config(vocab_size=bpe.get_vocab_size(), n_embd=32, n_layer=2, n_head=2, n_positions=64,
                        bos_token_id=eos_id, eos_token_id=eos_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    assert tokenizer.pad_token is None and (folder / "model.safetensors").is_file()
    return folder


def _copy(folder: Path, to: Path) -> Path:
    return Path(shutil.copytree(folder, to))


def _trainable(net) -> tuple[list[str], int, int]:
    names = [n for n, p in net.named_parameters() if p.requires_grad]
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return names, trainable, sum(p.numel() for p in net.parameters())


# ------------------------------------------------------------------------------------------------ import cost


def test_import_does_not_pull_in_torch_or_transformers():
    code = ("import sys, core.models.catalogue, core.models.inspect, core.models.loading, core.models.tokens; "
            "print(sorted({'torch', 'transformers', 'peft'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- loading


def test_encoder_classifier_runs_and_carries_user_labels(tiny_bert, tmp_path):
    import torch
    from transformers import AutoConfig

    labels = ["负面", "正面", "neutral"]
    net, tokenizer = load_classifier(str(tiny_bert), labels)
    batch = tokenizer(["the movie was good", "正面 好 电影 the fine film was good fun"], padding=True,
                      return_tensors="pt")
    assert batch["attention_mask"][0].sum() < batch["attention_mask"][1].sum()  # really padded
    with torch.no_grad():
        logits = net(**batch).logits
    assert tuple(logits.shape) == (2, 3)
    assert net.config.id2label == {0: "负面", 1: "正面", 2: "neutral"}
    assert net.config.label2id == {"负面": 0, "正面": 1, "neutral": 2}
    assert tokenizer.padding_side == "right"
    net.save_pretrained(tmp_path / "saved")
    assert AutoConfig.from_pretrained(tmp_path / "saved").id2label[1] == "正面"


def test_decoder_classifier_gets_pad_token_and_reads_last_real_token(tiny_gpt2):
    import torch

    net, tokenizer = load_classifier(str(tiny_gpt2), ["neg", "pos"])
    assert tokenizer.pad_token is not None and tokenizer.pad_token == tokenizer.eos_token
    assert net.config.pad_token_id == tokenizer.pad_token_id
    net.eval()
    texts = ["good fun", "the movie was bad and what a dull story"]
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    alone = tokenizer(texts[:1], return_tensors="pt")
    with torch.no_grad():
        logits = net(**batch).logits
        single = net(**alone).logits
    assert tuple(logits.shape) == (2, 2)
    # padding must not change the answer for the shorter text
    assert torch.allclose(logits[0], single[0], atol=1e-4)


@pytest.mark.parametrize("fixture, head", [("tiny_bert", "classifier"), ("tiny_gpt2", "score")])
def test_lora_trains_only_adapters_and_head(fixture, head, request):
    folder = request.getfixturevalue(fixture)
    net, _ = load_classifier(str(folder), ["a", "b"], lora=True, lora_r=4)
    names, trainable, total = _trainable(net)
    assert 0 < trainable < total
    assert any("lora_" in n for n in names)
    assert any(head in n for n in names), "the classification head must stay trainable"
    assert all("lora_" in n or "modules_to_save" in n for n in names)


def test_real_packaged_model_loads_as_classifier(capfd, caplog):
    import torch

    caplog.set_level("INFO", logger="core.models")
    net, tokenizer = load_classifier(DEFAULT_MODEL, ["neg", "pos"])
    batch = tokenizer(["I loved it", "I did not like this film at all"], padding=True, truncation=True,
                      return_tensors="pt")
    with torch.no_grad():
        logits = net(**batch).logits
    assert tuple(logits.shape) == (2, 2)
    assert net.config.id2label == {0: "neg", 1: "pos"}
    assert tokenizer.model_max_length == 512
    assert "LOAD REPORT" not in capfd.readouterr().err  # the expected new head is not shouted about...
    assert "new classification head" in caplog.text  # ...but is still recorded


def test_labels_are_checked():
    with pytest.raises(DataError):
        load_classifier(DEFAULT_MODEL, ["only"])
    with pytest.raises(DataError):
        load_classifier(DEFAULT_MODEL, ["a", "b", "a"])


def test_bin_only_folder_is_refused(tiny_bert, tmp_path):
    import torch
    from safetensors.torch import load_file

    folder = _copy(tiny_bert, tmp_path / "old-style")
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError) as caught:
        load_classifier(str(folder), ["a", "b"])
    assert "pytorch_model.bin" in caught.value.message and "safetensors" in caught.value.fix
    card = next(c for c in list_models([tmp_path]) if c.path == str(folder.resolve()))
    assert not card.ready and ".bin" in card.description


def test_damaged_weights_give_a_model_error(tiny_bert, tmp_path):
    folder = _copy(tiny_bert, tmp_path / "damaged")
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    with pytest.raises(ModelError, match="damaged"):
        load_classifier(str(folder), ["a", "b"])
    assert inspect_model(str(folder)).parameters is None


def test_unknown_architecture_gives_a_model_error(tiny_bert, tmp_path):
    folder = _copy(tiny_bert, tmp_path / "strange")
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "no-such-architecture"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError) as caught:
        load_classifier(str(folder), ["a", "b"])
    assert caught.value.fix


def test_load_tokenizer_gives_a_real_length_limit(tiny_gpt2):
    tokenizer = load_tokenizer(str(tiny_gpt2))
    assert tokenizer.model_max_length == 64  # from n_positions, not the 1e30 "no limit" placeholder


# -------------------------------------------------------------------------------------------- resolving


def test_default_resolves_to_the_packaged_folder():
    folder = resolve_model(DEFAULT_MODEL)
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
    assert resolve_model("") == folder


def test_folder_without_config_is_refused(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(ModelError) as caught:
        resolve_model(str(tmp_path))
    assert "config.json" in caught.value.message and caught.value.fix


def test_adapter_only_folder_is_explained(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelError, match="LoRA adapters"):
        resolve_model(str(tmp_path))


@pytest.mark.parametrize("name", ["./no/such/folder", "/definitely/not/here", "not a model!", "a/b/c"])
def test_missing_paths_and_malformed_ids_are_refused(name):
    with pytest.raises(ModelError) as caught:
        resolve_model(name)
    assert caught.value.fix


def test_offline_hub_id_fails_fast(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelError) as caught:
        resolve_model("fine-tune-studio-tests/not-in-any-cache")
    assert "offline" in caught.value.message and "built-in" in caught.value.fix
    assert time.monotonic() - start < 30  # loose: the point is no long stall of retries


def test_unreachable_hub_fails_fast(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "_hub_answers", lambda timeout=3.0: False)
    with pytest.raises(ModelError, match="offline"):
        resolve_model("fine-tune-studio-tests/not-in-any-cache")


def _fake_cache(root: Path, repo_id: str, source: Path) -> Path:
    """Lay `source` out as huggingface_hub caches a download: blobs, refs/main and a snapshot of links."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    commit = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for i, file in enumerate(sorted(source.iterdir())):
        blob = repo / "blobs" / f"{i:040d}"
        shutil.copy(file, blob)
        (snapshot / file.name).symlink_to(blob)
    return snapshot


def test_hub_id_found_in_cache_works_offline(tiny_bert, tmp_path, monkeypatch):
    from huggingface_hub import constants

    snapshot = _fake_cache(tmp_path, "acme/tiny-bert", tiny_bert)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve_model("acme/tiny-bert") == snapshot
    cards = list_models(cache_dir=tmp_path)
    card = next(c for c in cards if c.id == "acme/tiny-bert")
    assert card.source == "cache" and card.ready and card.parameters


# -------------------------------------------------------------------------------------------- catalogue


def test_list_models_puts_builtin_first_and_finds_local_folders(tiny_bert, tmp_path):
    (tmp_path / "not-a-model").mkdir()
    cards = list_models([tiny_bert.parent, tmp_path, tmp_path / "missing"], cache_dir=tmp_path / "none")
    assert cards[0].id == DEFAULT_MODEL and cards[0].source == "built-in" and cards[0].ready
    assert cards[0].languages == ["en"] and cards[0].parameters
    local = [c for c in cards if c.source == "local"]
    assert [c.name for c in local if c.path == str(tiny_bert.resolve())] == ["tiny-bert"]
    assert all(c.name != "not-a-model" for c in cards)
    mine = next(c for c in local if c.name == "tiny-bert")
    assert mine.ready and mine.parameters > 0 and resolve_model(mine.id) == tiny_bert.resolve()
    assert json.dumps(mine.to_dict())


def test_suggested_models_are_chinese_capable_hub_cards():
    cards = suggested_models()
    assert [c.id for c in cards] == CHINESE_CAPABLE_MODELS
    assert all(c.source == "hub" and not c.ready and c.languages for c in cards)


# ------------------------------------------------------------------------------------------- describing


def test_inspect_real_packaged_model():
    info = inspect_model(DEFAULT_MODEL)
    assert info.architecture.startswith("Bert") and info.model_type == "bert"
    assert 22_000_000 < info.parameters < 23_500_000
    assert info.max_positions == 512 and info.vocab_size == 30522
    assert info.hidden_size == 384 and info.layers == 6
    assert info.languages == ["en"] and not info.is_decoder
    assert info.size_mb and 80 < info.size_mb < 100
    assert json.dumps(info.to_dict())


def test_inspect_decoder(tiny_gpt2):
    info = inspect_model(str(tiny_gpt2))
    assert info.is_decoder and info.architecture == "GPT2LMHeadModel"
    assert info.max_positions == 64 and info.hidden_size == 32 and info.layers == 2


def test_language_advice():
    info = inspect_model(DEFAULT_MODEL)
    advice = language_advice(info, "zh")
    assert advice and all(name in advice for name in CHINESE_CAPABLE_MODELS)
    assert language_advice(info, "en") is None
    multilingual = ModelInfo(**{**info.to_dict(), "id": "FacebookAI/xlm-roberta-base",
                                       "languages": ["multilingual"]})
    assert language_advice(multilingual, "zh") is None


@pytest.mark.parametrize("name, config, expected", [
    ("google-bert/bert-base-chinese", {"model_type": "bert", "vocab_size": 21128}, ["zh"]),
    ("hfl/chinese-roberta-wwm-ext", {"model_type": "bert", "vocab_size": 21128}, ["zh"]),
    ("FacebookAI/xlm-roberta-base", {"model_type": "xlm-roberta", "vocab_size": 250002}, ["multilingual"]),
    ("google-bert/bert-base-multilingual-cased", {"model_type": "bert", "vocab_size": 119547}, ["multilingual"]),
    ("google-bert/bert-base-uncased", {"model_type": "bert", "vocab_size": 30522}, ["en"]),
    ("/runs/7/model", {"model_type": "bert", "vocab_size": 21128}, ["zh"]),  # a fine-tuned Chinese BERT
    ("/runs/8/model", {"model_type": "somethingnew", "vocab_size": 7}, []),
])
def test_guess_languages(name, config, expected):
    assert guess_languages(name, config) == expected


def test_the_token_counter_counts_like_the_full_tokenizer_without_loading_transformers():
    import subprocess
    import sys

    from core.models.loading import load_tokenizer
    from core.models.tokens import load_token_counter

    texts = ["hello world, this is fine", "质量很好，物流也快", "a " * 300]
    counted = [len(ids) for ids in load_token_counter("default")(texts)["input_ids"]]
    full = [len(ids) for ids in load_tokenizer("default")(texts, truncation=False)["input_ids"]]
    assert counted == full
    code = ("import sys; from core.models.tokens import load_token_counter; load_token_counter('default')(['hi']); "
            "print('transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"
