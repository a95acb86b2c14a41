"""A finished run as an ONNX model (fp32, optionally dynamic int8), checked against PyTorch before it is offered.

The export folder holds model.onnx (and model.int8.onnx), tokenizer.json, export.json (labels, max length,
agreement, sizes) and predict.py, which needs only onnxruntime, tokenizers and numpy.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from core.errors import ModelError
from core.serve.onnx_fuse import eager_attention, fuse
from core.serve.onnx_predict import SETTINGS, OnnxPredictor
from core.serve.predictor import Predictor
from core.serve.validation import PREDICTIONS, read_predictions
from core.store.run_folder import model_dir, write_json
from core.train.long_texts import truncation_of

log = logging.getLogger(__name__)
FP32, INT8 = "model.onnx", "model.int8.onnx"
FUSED, UNFUSED = "model.fused.onnx", "model.unfused.onnx"  # names only while the export is checked
FP32_TOLERANCE = 1e-4   # largest probability difference still counted as the same answer in fp32
INT8_GOAL = 0.99        # share of validation rows whose label int8 must keep
ROWS_CHECKED = 1000     # validation rows the agreement is measured on, at most
TIE = 1e-3              # PyTorch's top probabilities closer than this: a coin toss, not a label to keep
FEED_FORWARD_OUT = ("/output/dense/", "/ffn/lin2/")  # a layer's feed-forward output: BERT/RoBERTa/XLM-R, DistilBERT


def export_folder(run_dir: str | Path) -> Path:
    return Path(run_dir) / "export" / "onnx"


def read_export(run_dir: str | Path) -> dict[str, Any] | None:
    """export.json of the run's ONNX export (agreement, sizes), or None when it has none."""
    path = export_folder(run_dir) / SETTINGS
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def export_onnx(run_dir: str | Path, quantize: str | None = None, out: str | Path | None = None) -> dict[str, Any]:
    """Export the run's model, check it on the validation rows, and return export.json's content."""
    run_dir = Path(run_dir)
    folder = Path(out) if out else export_folder(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    predictor = Predictor(model_dir(run_dir), device="cpu")
    if not getattr(predictor.tokenizer, "is_fast", False):
        raise ModelError("This model's tokenizer has no fast version, so it cannot travel without Python's "
                         "transformers.", "Export it as the zip from the Runs page instead.")
    _write_graph(predictor, folder / FP32)
    predictor.tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    settings = {"labels": predictor.labels, "max_length": predictor.max_length,
                "pad_id": predictor.tokenizer.pad_token_id or 0, "pairs": bool(getattr(predictor, "pairs", False)),
                "fp32_file": FP32, "int8_file": None,
                "truncation": truncation_of(predictor.tokenizer)}  # predict.py cuts long texts as training did
    write_json(folder / SETTINGS, settings)
    shutil.copyfile(Path(__file__).with_name("onnx_predict.py"), folder / "predict.py")
    texts, pairs = _validation_texts(run_dir)
    reference = predictor.probabilities(texts, pairs=pairs) if texts else []
    settings["checks"] = {"rows": len(texts), "fp32": _fused_if_it_agrees(predictor, folder, reference, texts, pairs)}
    if quantize == "int8":
        settings.update(_int8_that_agrees(folder, reference, texts, pairs))
        settings["checks"]["int8"] = settings.pop("int8_check")
    (folder / UNFUSED).unlink(missing_ok=True)
    settings["sizes_mb"] = {kind: round((folder / name).stat().st_size / 2**20, 2)
                            for kind, name in (("fp32", FP32), ("int8", settings["int8_file"])) if name}
    settings["pytorch_mb"] = round(sum(p.stat().st_size for p in model_dir(run_dir).glob("*.safetensors")) / 2**20, 2)
    settings["folder"] = str(folder)
    write_json(folder / SETTINGS, settings)
    return settings


def _write_graph(predictor: Predictor, path: Path) -> None:
    """torch.onnx's exporter with dynamic batch and length; the graph takes exactly the tokenizer's inputs."""
    import torch

    sample = predictor.tokenizer(["a short example", "a second, slightly longer example"], padding=True,
                                 return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    axes = {n: {0: "batch", 1: "length"} for n in names}

    class Logits(torch.nn.Module):  # the graph's one output is the logits, whatever the model's output type
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs, strict=True))).logits

    wrapper = Logits(predictor.model).eval()  # a new module is in training mode, and export restores that mode
    with torch.inference_mode(), eager_attention(predictor.model):  # the attention graph the fusions know
        torch.onnx.export(wrapper, tuple(sample[n] for n in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes={**axes, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
    predictor.model.eval()  # never let dropout into the reference answers the export is checked against


def _fused_if_it_agrees(predictor: Predictor, folder: Path, reference: list[list[float]], texts: list[str],
                        pairs: list[str] | None) -> dict[str, Any]:
    """The fp32 check of the fused graph when fusing works and keeps every answer, else of the graph as exported."""
    plain = _check(reference, folder, False, texts, pairs)
    if not fuse(folder / FP32, folder / FUSED, predictor.model.config):
        return plain
    (folder / FP32).rename(folder / UNFUSED)
    (folder / FUSED).rename(folder / FP32)
    fused = _check(reference, folder, False, texts, pairs)
    if fused["passed"] or not plain["passed"]:  # the unfused graph stays until int8 is chosen: int8 may need it
        return {**fused, "fused": True}
    (folder / UNFUSED).replace(folder / FP32)
    return plain


def _quantize(source: Path, target: Path, keep_fp32: list[str]) -> None:
    """Dynamic int8: weights stored as int8, activations quantised on the fly (no calibration data needed).

    One scale per output channel: on SST-2 dev it kept 98.4% of a small model's labels against 94.8% per tensor.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # fused operators come without shape information: their outputs are float, as the rest
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=keep_fp32, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _sensitive_nodes(graph_file: Path) -> list[str]:
    """The products int8 hurts most: the feed-forward output of every layer, and the whole first layer.

    Measured on a MiniLM-L6 SST-2 run (one scale per channel), 400 validation labels kept: unfused, all int8 98.5%,
    with the feed-forward outputs and the whole first layer (13 of 50 products) in fp32 99.5% (22 -> 36 MB);
    fused (core.serve.onnx_fuse), all int8 98.75%, with the same products and the first Attention in fp32 99% (35 MB).
    """
    return _sensitive(_graph_nodes(graph_file))


def _graph_nodes(graph_file: Path) -> list:
    import onnx

    return list(onnx.load(str(graph_file), load_external_data=False).graph.node)


def _first_attention(nodes: list) -> list[str]:
    return [n.name for n in nodes if n.op_type == "Attention"][:1]  # fused: layer 0's q, k and v


def _feed_forward_outputs(nodes: list) -> list[str]:
    return [n.name for n in nodes if n.op_type in ("MatMul", "Gemm")
            and any(part in n.name for part in FEED_FORWARD_OUT) and "/attention/" not in n.name]


def _sensitive(nodes: list) -> list[str]:
    first_layer = _first_attention(nodes) + [n.name for n in nodes if n.op_type in ("MatMul", "Gemm")
                                             and re.search(r"/layers?\.0/", n.name)]
    return list(dict.fromkeys(first_layer + _feed_forward_outputs(nodes)))


def _fp32_choices(graph_file: Path) -> list[list[str]]:
    """The products to keep in fp32, fewest (fastest) first, ending with every sensitive one.

    Measured on a MiniLM-L6 SST-2 quick run, fused, 400 validation labels, one 16-token sentence: all int8 98.75%
    (1.18 ms); the first Attention kept 99.25% (1.39 ms); the first half's feed-forward outputs 99.5% (1.39 ms);
    every sensitive product (9) 99.0% (1.75 ms). Each try costs a quantisation and one pass over the rows.
    """
    nodes = _graph_nodes(graph_file)
    outputs = _feed_forward_outputs(nodes)
    layer_of = {name: int(m.group(1)) for name in outputs if (m := re.search(r"/layers?\.(\d+)/", name))}
    half = (max(layer_of.values(), default=0) + 1) / 2
    early_outputs = [name for name in outputs if layer_of.get(name, half) < half]
    first_attention = _first_attention(nodes)
    choices = [[], first_attention, early_outputs, first_attention + early_outputs, _sensitive(nodes)]
    unique: list[list[str]] = []
    for keep in choices:  # all int8 once; then each different, non-empty set
        if keep not in unique and (keep or not unique):
            unique.append(keep)
    return unique


def _int8_that_agrees(folder: Path, reference: list[list[float]], texts: list[str],
                      pairs: list[str] | None) -> dict[str, Any]:
    """The fastest int8 model that keeps the goal's share of labels: all int8 first, then ever more of the
    sensitive products kept in fp32 (_fp32_choices); from the fused graph, then (when none agrees) from the graph
    as exported. When none reaches the goal the last is kept, marked as failed (and never offered)."""
    sources = [folder / FP32, *([folder / UNFUSED] if (folder / UNFUSED).exists() else [])]
    for source in sources:
        for keep in _fp32_choices(source):
            _quantize(source, folder / INT8, keep)
            write_json(folder / SETTINGS, {**json.loads((folder / SETTINGS).read_text(encoding="utf-8")),
                                           "int8_file": INT8})
            check = _check(reference, folder, True, texts, pairs)
            log.info("int8 from %s with %d products kept in fp32: %s of the validation labels kept", source.name,
                     len(keep), check["agreement"])
            if check["passed"]:
                return {"int8_file": INT8, "int8_kept_fp32": len(keep), "int8_check": check}
    return {"int8_file": INT8, "int8_kept_fp32": len(keep), "int8_check": check}


def _validation_texts(run_dir: Path) -> tuple[list[str], list[str] | None]:
    """The validation rows' texts (and second texts, for a model of pairs), at most ROWS_CHECKED."""
    table = read_predictions(run_dir / PREDICTIONS)
    if table is None or table.empty:
        return [], None
    table = table.head(ROWS_CHECKED)
    pairs = table["text_pair"].astype(str).tolist() if "text_pair" in table.columns else None
    return table["text"].astype(str).tolist(), pairs


def _check(reference: list[list[float]], folder: Path, int8: bool, texts: list[str],
           pairs: list[str] | None) -> dict[str, Any]:
    """On these rows: the share of PyTorch's labels the ONNX model gives too, and the largest difference."""
    answers = OnnxPredictor(folder, int8=int8).probabilities(texts, pairs=pairs) if texts else []
    return _agreement(reference, answers, "int8" if int8 else "fp32")


def _agreement(reference: list[list[float]], answers: list[list[float]], kind: str) -> dict[str, Any]:
    # a label PyTorch itself scores within TIE of its best is a tie: either answer agrees with it
    same = sum(r[_best(a)] >= max(r) - TIE for r, a in zip(reference, answers, strict=True))
    gap = max((abs(x - y) for a, b in zip(reference, answers, strict=True) for x, y in zip(a, b, strict=True)),
              default=0.0)
    share = same / len(reference) if reference else None
    if kind == "fp32":  # the same answers within float tolerance, on every row
        passed = share is not None and share == 1.0 and gap <= FP32_TOLERANCE
    else:
        passed = share is not None and share >= INT8_GOAL
    return {"agreement": share, "max_difference": round(gap, 6), "passed": passed}


def _best(probs: list[float]) -> int:
    return max(range(len(probs)), key=probs.__getitem__)
