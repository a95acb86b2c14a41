"""Answer with an exported ONNX classifier, needing only onnxruntime, tokenizers and numpy.

This file is copied as `predict.py` into every export, so it imports nothing from the studio:

    python predict.py "What a wonderful film"          # one line of JSON per text
    python predict.py --int8 "What a wonderful film"   # the quantised model, when the export has one

Inside the studio it is the ONNX twin of core.serve.predictor.Predictor (labels, max_length, probabilities).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SETTINGS = "export.json"  # labels, max length and the model files, written by the export


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
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()  # padded here, to the longest text of each batch
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(folder / name), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def probabilities(self, texts: list[str], batch_size: int = 64,
                      pairs: list[str] | None = None) -> list[list[float]]:
        """Probabilities per label for each text (and its pair); batched by length to waste little padding."""
        inputs = list(zip(texts, pairs, strict=True)) if pairs is not None else list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            for i, p in zip(chunk, self._batch([inputs[i] for i in chunk]), strict=True):
                out[i] = p
        return out

    def _batch(self, texts: list) -> list[list[float]]:
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
            types[row, :len(e.ids)] = e.type_ids
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
    texts = [a for a in argv if a != "--int8"] or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    predictor = OnnxPredictor(Path(__file__).parent, int8=int8)
    for text in texts:  # a model of pairs reads each line as "first text<TAB>second text"
        first, _, second = text.partition("\t") if predictor.pairs else (text, "", "")
        print(json.dumps(predictor.predict(first, second if predictor.pairs else None), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
