"""A finished classifier reading long texts whole: sliding windows over each text, their probabilities averaged.

`Windowed(predictor, stride)` answers like the predictor itself (predict, predict_table, evaluate), so Try,
files, Evaluate and `predict --window-stride N` share it; a text within the max length is one window and gets
the predictor's own answer. Pairs of texts are answered as the predictor answers them (no windows).
"""

from __future__ import annotations

from core.serve.predictor import Answers, Predictor
from core.train.long_texts import window_probabilities


class Windowed(Answers):
    """`predictor` reading each text in windows of its max length that start every `stride` tokens."""

    def __init__(self, predictor: Predictor, stride: int) -> None:
        if stride < 1:
            raise ValueError(f"the window stride must be at least 1 token, not {stride}")
        self.predictor, self.stride = predictor, stride
        self.labels, self.pairs, self.max_length = predictor.labels, predictor.pairs, predictor.max_length

    def probabilities(self, texts: list[str], batch_size: int = 64,
                      pairs: list[str] | None = None) -> list[list[float]]:
        p = self.predictor
        if pairs is not None:
            return p.probabilities(texts, batch_size, pairs)
        return window_probabilities(p.model, p.tokenizer, texts, p.max_length, p.device, self.stride, batch_size)


def windowed(predictor: Predictor, stride: int | None) -> Answers:
    """The predictor itself when `stride` is 0 or None, else the predictor reading in windows."""
    return Windowed(predictor, stride) if stride else predictor
