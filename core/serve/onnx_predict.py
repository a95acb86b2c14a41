"""Answer with an exported ONNX classifier, needing only onnxruntime, tokenizers and numpy.

This file is copied as `predict.py` into every export, so it imports nothing from the studio:

    python predict.py "What a wonderful film"          # one line of JSON per text
    python predict.py --int8 "What a wonderful film"   # the quantised model, when the export has one
    python predict.py --window-stride 64 "A very long review ..."   # long texts read whole, in sliding windows

Inside the studio it is the ONNX twin of core.serve.predictor.Predictor (labels, max_length, probabilities).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SETTINGS = "export.json"  # labels, max length and the model files, written by the export
# onnxruntime's load-time fusions that make these exports slower: its fused residual-add + layer norm kernel took
# 29 us per layer norm on a 16-token sentence, the two operators under 2 us (onnxruntime 1.32, 2-core AMD EPYC)
SLOW_FUSIONS = ["SkipLayerNormFusion"]


class OnnxPredictor:
    """An export folder loaded once: tokenizer.json + model.onnx (or model.int8.onnx)."""

    def __init__(self, folder: str | Path, int8: bool = False, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        self.labels: list[str] = settings["labels"]
        self.max_length: int = settings["max_length"]
        self.pad_id: int = settings.get("pad_id", 0)
        self.pairs: bool = bool(settings.get("pairs"))  # trained on pairs of texts: every answer needs both
        name = settings["int8_file"] if int8 else settings["fp32_file"]
        if not name or not (folder / name).exists():
            raise FileNotFoundError(f"This export has no {'int8' if int8 else 'fp32'} model file.")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.truncation: str = settings.get("truncation", "head")  # head, tail or head+tail, as the run trained
        self.window_stride = 0  # > 0: long single texts are read whole in windows starting every N tokens
        self.tokenizer.enable_truncation(self.max_length, direction="left" if self.truncation == "tail" else "right")
        self.tokenizer.no_padding()  # padded here, to the longest text of each batch
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(folder / name), options, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=SLOW_FUSIONS)
        self.inputs = [i.name for i in self.session.get_inputs()]

    def probabilities(self, texts: list[str], batch_size: int = 64,
                      pairs: list[str] | None = None) -> list[list[float]]:
        """Probabilities per label for each text (and its pair); batched by length to waste little padding."""
        if pairs is None and (self.window_stride or self.truncation == "head+tail"):
            return [self._whole(text) for text in texts]
        inputs = list(zip(texts, pairs, strict=True)) if pairs is not None else list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            for i, p in zip(chunk, self._batch([inputs[i] for i in chunk]), strict=True):
                out[i] = p
        return out

    def _whole(self, text: str) -> list[float]:
        """One text cut head+tail, or read in windows (their probabilities averaged), as the studio does."""
        import numpy as np

        self.tokenizer.no_truncation()
        try:
            ids = self.tokenizer.encode(text).ids
            plain = self.tokenizer.encode(text, add_special_tokens=False).ids
        finally:
            self.tokenizer.enable_truncation(self.max_length)
        start = next((i for i in range(len(ids) - len(plain) + 1) if ids[i:i + len(plain)] == plain), 0)
        prefix, suffix = ids[:start], ids[start + len(plain):]
        room = max(1, self.max_length - len(prefix) - len(suffix))
        if self.window_stride:
            step = max(1, min(self.window_stride, room))
            # as transformers' overflowing windows: each starts `step` after the last, until one reaches the end
            pieces = [prefix + plain[s:s + room] + suffix for s in range(0, max(1, len(plain) - room + step), step)]
        elif len(ids) > self.max_length:  # head+tail: a quarter from the start, the rest from the end
            head = int(room * 0.25)
            pieces = [prefix + plain[:head] + plain[len(plain) - (room - head):] + suffix]
        else:
            pieces = [ids]
        return np.mean(np.array(self._batch_ids(pieces, [[0] * len(p) for p in pieces])), axis=0).tolist()

    def _batch(self, texts: list) -> list[list[float]]:
        encodings = self.tokenizer.encode_batch(texts)
        return self._batch_ids([e.ids for e in encodings], [e.type_ids for e in encodings])

    def _batch_ids(self, all_ids: list[list[int]], all_types: list[list[int]]) -> list[list[float]]:
        import numpy as np

        width = max(len(row) for row in all_ids)
        ids = np.full((len(all_ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(all_ids), width), dtype=np.int64)
        types = np.zeros((len(all_ids), width), dtype=np.int64)
        for row, (row_ids, row_types) in enumerate(zip(all_ids, all_types, strict=True)):
            ids[row, :len(row_ids)] = row_ids
            mask[row, :len(row_ids)] = 1
            types[row, :len(row_ids)] = row_types
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        logits = self.session.run(None, {name: feed[name] for name in self.inputs})[0].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return (exp / exp.sum(axis=1, keepdims=True)).tolist()

    def predict(self, text: str, text_pair: str | None = None) -> dict:
        probs = self.probabilities([text], pairs=[text_pair] if text_pair is not None else None)[0]
        best = max(range(len(probs)), key=probs.__getitem__)
        return {"text": text, "label": self.labels[best], "confidence": round(probs[best], 4),
                "probabilities": {name: round(p, 4) for name, p in zip(self.labels, probs, strict=True)}}


def main(argv: list[str]) -> int:
    int8 = "--int8" in argv
    stride = 0
    if "--window-stride" in argv:  # --window-stride N: read long texts whole in windows starting every N tokens
        at = argv.index("--window-stride")
        stride, argv = int(argv[at + 1]), argv[:at] + argv[at + 2:]
    texts = [a for a in argv if a != "--int8"] or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    predictor = OnnxPredictor(Path(__file__).parent, int8=int8)
    predictor.window_stride = stride
    for text in texts:  # a model of pairs reads each line as "first text<TAB>second text"
        first, _, second = text.partition("\t") if predictor.pairs else (text, "", "")
        print(json.dumps(predictor.predict(first, second if predictor.pairs else None), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
