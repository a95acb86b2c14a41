"""Fusing an exported encoder's graph with onnxruntime's transformer optimizer.

torch.onnx writes attention as some twenty small operators per layer; onnxruntime's "bert" fusions turn each
layer's into one Attention operator (and the embeddings, layer norms and GELUs into one each), which its CPU
kernels run far faster. Measured on a MiniLM-L6 run, one 16-token sentence on a 2-core AMD EPYC: int8 5.8 ms
unfused, 4.0 ms fused. The fusions recognise only the plain ("eager") attention's graph, so the model is
exported with that attention; the export's own agreement check then decides whether the fused graph is kept.

One fusion is left out: a residual Add and its LayerNormalization stay two operators. onnxruntime's fused
SkipLayerNormalization kernel took 29 us on a 16-token sentence where the two took under 2 us (onnxruntime 1.32,
the same EPYC); twelve of them were a tenth of an int8 answer. onnxruntime would fuse them again when it loads
the graph, so every session that loads an export turns that fusion off too (onnx_predict.SLOW_FUSIONS).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
# encoders laid out as BERT, whose graphs onnxruntime's "bert" fusions know
FUSABLE = {"bert", "roberta", "xlm-roberta", "camembert", "electra"}


@contextlib.contextmanager
def eager_attention(model: Any):
    """The model with plain attention while it is exported, then as it was (SDPA answers the same, faster)."""
    before = getattr(model.config, "_attn_implementation", None)
    fusable = model.config.model_type in FUSABLE and before not in (None, "eager")
    if fusable:
        model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if fusable:
            model.set_attn_implementation(before)


def fuse(graph: Path, target: Path, config: Any) -> bool:
    """Write the fused graph of `graph` to `target`; False (nothing written) for a model it cannot fuse."""
    if config.model_type not in FUSABLE:
        return False
    try:
        from onnxruntime.transformers import optimizer
        from onnxruntime.transformers.fusion_options import FusionOptions

        options = FusionOptions("bert")
        options.enable_skip_layer_norm = options.enable_bias_skip_layer_norm = False  # slower fused (see above)
        fused = optimizer.optimize_model(str(graph), model_type="bert", num_heads=config.num_attention_heads,
                                         hidden_size=config.hidden_size, optimization_options=options)
        if not fused.get_fused_operator_statistics().get("Attention"):
            return False
        fused.save_model_to_file(str(target))
    except Exception:  # an unusual graph: the unfused one still answers right, only slower
        log.warning("Could not fuse the exported graph; keeping it as exported", exc_info=True)
        return False
    return True
