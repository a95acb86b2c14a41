"""The run's ONNX export answering the way the Predictor does (Prediction, answer tables), for Try and Present."""

from __future__ import annotations

import time
from pathlib import Path

from core.serve.onnx_predict import OnnxPredictor
from core.serve.predictor import Prediction
from core.train.inference import answer_table


class OnnxAnswers(OnnxPredictor):
    """OnnxPredictor with the Predictor's predict() and predict_table(), so a page can use either."""

    def __init__(self, folder: str | Path, int8: bool = True) -> None:
        super().__init__(folder, int8=int8)
        self.int8 = int8

    def predict(self, text: str, text_pair: str | None = None) -> Prediction:  # type: ignore[override]
        started = time.perf_counter()
        probs = self.probabilities([text], pairs=[text_pair] if text_pair is not None else None)[0]
        elapsed = (time.perf_counter() - started) * 1000
        best = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(text, self.labels[best], round(probs[best], 4),
                          {name: round(p, 4) for name, p in zip(self.labels, probs, strict=True)}, round(elapsed, 1),
                          text_pair)

    def predict_table(self, texts: list[str], pairs: list[str] | None = None):
        return answer_table(texts, self.probabilities(texts, pairs=pairs), self.labels, pairs)
