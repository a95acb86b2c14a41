"""Binary cross-entropy with a weight on each label's positives: the multi-label loss when labels are balanced."""

from __future__ import annotations

from typing import Any


def bce_loss(pos_weights: list[float]):
    """Mean BCE-with-logits over every (row, label) cell, positives weighed per label.

    As the single-label loss does (core.train.trainer._weighted_loss), the sum over a micro-batch is divided by what
    the whole optimizer step holds (`num_items_in_batch`: the Trainer counts label cells, rows x labels here), so
    gradient accumulation gives the one-batch gradient.
    """
    import torch
    import torch.nn.functional as F

    weights = torch.tensor(pos_weights, dtype=torch.float32)

    def loss(outputs: Any, labels: Any, num_items_in_batch: Any = None):
        logits = outputs["logits"].float()
        per_cell = F.binary_cross_entropy_with_logits(logits, labels.float(), pos_weight=weights.to(logits.device),
                                                      reduction="none")
        cells = num_items_in_batch if num_items_in_batch is not None else per_cell.numel()
        return per_cell.sum() / cells

    return loss
