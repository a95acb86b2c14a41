"""The run's ONNX export answering the way the Predictor does (Prediction, answer tables), for Try and Present."""

from __future__ import annotations

from pathlib import Path

from core.serve.onnx_predict import OnnxPredictor
from core.serve.predictor import Answers


class OnnxAnswers(Answers, OnnxPredictor):
    """OnnxPredictor with the Predictor's predict() and predict_table(), so a page can use either."""

    def __init__(self, folder: str | Path, int8: bool = True) -> None:
        super().__init__(folder, int8=int8)
        self.int8 = int8
