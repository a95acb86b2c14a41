"""LoRA adapters (peft): train small matrices beside the frozen model, and the classifier head in full."""

from __future__ import annotations

import logging
from typing import Any

from core.errors import ModelError
from core.models.hub import first_line

logger = logging.getLogger(__name__)

HEAD_NAMES = ("classifier", "score", "pre_classifier")
HEAD_KEY_PREFIXES = (*HEAD_NAMES, "pooler")


def _head_modules(net: Any) -> list[str]:
    names = [name for name, _ in net.named_children() if name in HEAD_NAMES]
    # BERT's classifier reads the pooler, which a sentence encoder never trained for classification
    if any(name.endswith(".pooler") and any(True for _ in module.parameters())
           for name, module in net.named_modules()):
        names.append("pooler")
    return names


def wrap_lora(net: Any, rank: int) -> Any:
    from peft import LoraConfig, TaskType, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN_TARGETS

    model_type = getattr(net.config, "model_type", "")
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=rank, lora_alpha=2 * rank, lora_dropout=0.1,
                        # peft knows the attention projections of common architectures; others get every linear
                        target_modules=None if model_type in KNOWN_TARGETS else "all-linear",
                        modules_to_save=_head_modules(net),
                        # GPT-2 stores its projections transposed (Conv1D); peft must know, or it warns and guesses
                        fan_in_fan_out=any(type(m).__name__ == "Conv1D" for m in net.modules()))
    try:
        wrapped = get_peft_model(net, config)
    except (ValueError, TypeError) as exc:
        raise ModelError(f"LoRA adapters cannot be added to this model ({model_type}): {first_line(exc)}",
                         "Turn LoRA off to train the whole model.") from exc
    trainable = sum(p.numel() for p in wrapped.parameters() if p.requires_grad)
    total = sum(p.numel() for p in wrapped.parameters())
    logger.info("LoRA rank %d: %d of %d parameters train (%.2f%%)", rank, trainable, total, 100 * trainable / total)
    return wrapped
