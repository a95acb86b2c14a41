"""Which languages a model knows, and the advice when it does not know the data's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.models.config_file import config_value
from core.models.resolve import BUILTIN_NAME, DEFAULT_MODEL, normalise_name

if TYPE_CHECKING:
    from core.models.inspect import ModelInfo

# Suggested to people with Chinese data who are online (from the Hub, its mirror or ModelScope): Chinese models
# first, then ones that cover ~50-100 languages. Sizes are of the safetensors weights.
CHINESE_CAPABLE_MODELS: list[str] = [
    "google-bert/bert-base-chinese",
    "hfl/chinese-roberta-wwm-ext",
    "hfl/rbt3",
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
    "FacebookAI/xlm-roberta-base",
]
_SUGGESTION_TEXT = {
    "google-bert/bert-base-chinese": "Google's BERT trained on Chinese text (102M parameters, about 410 MB): the "
                                     "standard starting point for Chinese classification.",
    "hfl/chinese-roberta-wwm-ext": "A stronger Chinese BERT from HFL, trained with whole-word masking (102M "
                                   "parameters, about 410 MB): usually a few points better than bert-base-chinese.",
    "hfl/rbt3": "HFL's three-layer Chinese RoBERTa (38M parameters, about 155 MB): trains and answers about four "
                "times faster, for a laptop CPU or a first try.",
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2": "A multilingual MiniLM (118M parameters, about "
        "470 MB, 50+ languages): for data that mixes Chinese and English.",
    "FacebookAI/xlm-roberta-base": "Understands about 100 languages, Chinese and English included (278M parameters, "
                                   "about 1.1 GB): the strongest here for mixed languages, and the slowest.",
}
SUGGESTION_SIZE_MB = {"google-bert/bert-base-chinese": 412, "hfl/chinese-roberta-wwm-ext": 412, "hfl/rbt3": 156,
                      "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2": 471,
                      "FacebookAI/xlm-roberta-base": 1112}


# Language guesses, most specific first: words in the model's name, then its vocabulary size (a Chinese BERT and
# an English BERT share model_type "bert" but not vocabularies), then its model type. Unknown gives [].
_LANGUAGES_BY_NAME = [
    ("chinese", ["zh"]), ("rbt3", ["zh"]), ("rbtl3", ["zh"]), ("-zh", ["zh"]), ("zh-", ["zh"]), ("_zh", ["zh"]),
    ("multilingual", ["multilingual"]), ("xlm", ["multilingual"]), ("mbert", ["multilingual"]),
    ("labse", ["multilingual"]), ("mdeberta", ["multilingual"]), ("qwen", ["multilingual"]),
    ("bge-m3", ["multilingual"]),
]
_LANGUAGES_BY_VOCAB = {
    21128: ["zh"],
    105879: ["multilingual"], 119547: ["multilingual"], 250002: ["multilingual"], 251000: ["multilingual"],
    151936: ["multilingual"],
    28996: ["en"], 30000: ["en"], 30522: ["en"], 50257: ["en"], 50265: ["en"], 128100: ["en"],
}
_MULTILINGUAL_TYPES = {"xlm-roberta", "xlm-roberta-xl", "xlm", "mt5", "mbart", "m2m_100", "bloom", "qwen2", "qwen3",
                       "qwen2_moe", "qwen3_moe"}
_ENGLISH_TYPES = {"distilbert", "roberta", "albert", "electra", "deberta", "deberta-v2", "mpnet", "gpt2", "gpt_neo",
                  "gptj", "opt", "modernbert", "mobilebert", "funnel", "longformer"}


def guess_languages(model: str, config: dict) -> list[str]:
    """The languages a model was trained on, as far as its name, vocabulary and type tell; [] when unknown."""
    if normalise_name(model) == DEFAULT_MODEL:
        return ["en"]
    names = " ".join(Path(str(n)).name.lower() for n in (model, config.get("_name_or_path") or "") if n)
    for word, languages in _LANGUAGES_BY_NAME:
        if word in names:
            return list(languages)
    vocab = config_value(config, "vocab_size")
    if vocab in _LANGUAGES_BY_VOCAB:
        return list(_LANGUAGES_BY_VOCAB[vocab])
    model_type = config.get("model_type")
    if model_type in _MULTILINGUAL_TYPES:
        return ["multilingual"]
    return ["en"] if model_type in _ENGLISH_TYPES else []


def language_advice(info: ModelInfo, data_language: str) -> str | None:
    """A plain sentence when the model does not know the data's language; None when it fits."""
    language = (data_language or "").strip().lower()
    name = BUILTIN_NAME if info.id == DEFAULT_MODEL else info.id
    if (language.startswith("zh") or language == "chinese") and info.languages == ["en"]:
        chinese = [m for m in CHINESE_CAPABLE_MODELS if guess_languages(m, {}) == ["zh"]]
        multilingual = [m for m in CHINESE_CAPABLE_MODELS if m not in chinese]
        return (f"Your texts are mostly Chinese, but {name} learned English only, so it will understand them "
                f"poorly. If this computer is online, pick a model that knows Chinese: {' or '.join(chinese)} "
                f"(Chinese), or {' or '.join(multilingual)} (many languages).")
    if language.startswith("en") and info.languages == ["zh"]:
        return (f"Your texts are mostly English, but {name} learned Chinese only. Pick the built-in model, or "
                f"{CHINESE_CAPABLE_MODELS[3]} if this computer is online.")
    return None
