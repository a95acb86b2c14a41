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
from core.serve.onnx_predict import SETTINGS, OnnxPredictor
from core.serve.predictor import Predictor
from core.serve.validation import PREDICTIONS, read_predictions
from core.store.run_folder import model_dir, write_json
from core.train.long_texts import truncation_of

log = logging.getLogger(__name__)
FP32, INT8 = "model.onnx", "model.int8.onnx"
FP32_TOLERANCE = 1e-4   # largest probability difference still counted as the same answer in fp32
INT8_GOAL = 0.99        # share of validation rows whose label int8 must keep
ROWS_CHECKED = 1000     # validation rows the agreement is measured on, at most
TIE = 1e-3              # PyTorch's top probabilities closer than this: a coin toss, not a label to keep


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
    settings["checks"] = {"rows": len(texts), "fp32": _check(reference, folder, False, texts, pairs)}
    if quantize == "int8":
        settings.update(_int8_that_agrees(folder, reference, texts, pairs))
        settings["checks"]["int8"] = settings.pop("int8_check")
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
    with torch.inference_mode():
        torch.onnx.export(wrapper, tuple(sample[n] for n in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes={**axes, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
    predictor.model.eval()  # never let dropout into the reference answers the export is checked against


def _quantize(source: Path, target: Path, keep_fp32: list[str]) -> None:
    """Dynamic int8: weights stored as int8, activations quantised on the fly (no calibration data needed).

    One scale per output channel: on SST-2 dev it kept 98.4% of a small model's labels against 94.8% per tensor.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=keep_fp32)


def _sensitive_nodes(graph_file: Path) -> list[str]:
    """The projections int8 hurts most: the feed-forward output of every layer and the whole first layer.

    Measured on a MiniLM-L6 SST-2 run (one scale per channel): all int8 kept 98.5% of 400 validation labels; with
    these 13 of 50 products in fp32, 99.5% (99.2% of SST-2 dev), mean probability error 0.015 -> 0.009, 22 -> 36 MB.
    """
    import onnx

    names = [n.name for n in onnx.load(str(graph_file), load_external_data=False).graph.node
             if n.op_type in ("MatMul", "Gemm")]
    feed_forward_out = ("/output/dense/", "/ffn/lin2/")  # BERT/RoBERTa/XLM-R names, DistilBERT's
    return [n for n in names if re.search(r"/layers?\.0/", n)
            or (any(part in n for part in feed_forward_out) and "/attention/" not in n)]


def _int8_that_agrees(folder: Path, reference: list[list[float]], texts: list[str],
                      pairs: list[str] | None) -> dict[str, Any]:
    """The fastest int8 model that keeps the goal's share of labels: all int8 first, then the sensitive parts kept
    in fp32. When neither reaches the goal the second is kept, marked as failed (and never offered)."""
    for keep in ([], _sensitive_nodes(folder / FP32)):
        _quantize(folder / FP32, folder / INT8, keep)
        write_json(folder / SETTINGS, {**json.loads((folder / SETTINGS).read_text(encoding="utf-8")),
                                       "int8_file": INT8})
        check = _check(reference, folder, True, texts, pairs)
        log.info("int8 with %d products kept in fp32: %s of the validation labels kept", len(keep),
                 check["agreement"])
        if check["passed"]:
            break
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
