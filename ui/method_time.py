"""The Train page's time estimate for a quick or few-shot run: texts to embed and SetFit's contrastive steps,
not epochs (core.train.methods.method_estimate). A run records the same figure in results.json."""

from __future__ import annotations

import streamlit as st

from core.errors import StudioError
from ui import format as fmt
from ui.i18n import t

CACHE_CHECK_ROWS = 50_000  # more texts than this: not looked up in the embeddings cache on every redraw


def method_time_estimate(ctx, info, data, train_rows: int, val_rows: int, tokens, device, step_cost):
    """The MethodEstimate for the page's choices (widgets.training_estimate hands quick and few-shot here)."""
    from core.train.methods.method_estimate import method_estimate

    config = ctx.config
    scored = (_rows_in(config.val_data) if config.val_data else val_rows) + (
        _rows_in(config.test_data) if config.test_data else round(config.test_fraction * len(data)))
    cached = 0
    if config.method == "quick" and len(data) <= CACHE_CHECK_ROWS and info.path:
        cached = _cached_share(ctx, info.path, data.texts, config.max_length, train_rows)
    return method_estimate(config.method, info.parameters, config, train_rows, scored, tokens, device,
                           runs=ctx.store.list_runs(("completed",)), step_cost=step_cost, cached_texts=cached,
                           hidden_size=info.hidden_size, layers=info.layers)


def method_time_line(result, compact: bool) -> None:
    """'About 40 s – 1 min: 40 contrastive steps and 900 texts to embed (a rough estimate)'."""
    basis = {"run": t("estimate.measured", run=result.measured_run), "measured": t("estimate.calibrated"),
             "rough": t("estimate.rough")}[result.basis]
    low, high = result.run_seconds()
    key = "estimate.method.few-shot" if result.method == "few-shot" else "estimate.method.quick"
    line = t(key, total=fmt.duration_range(low, high), steps=result.contrastive_steps,
             texts=f"{result.texts_to_embed:,}") + " " + basis
    if not result.fits:
        st.warning(line + " " + t("estimate.too_big", need=fmt.gigabytes(result.memory_gb),
                                  have=fmt.gigabytes(result.available_gb)), icon=":material/memory:")
    elif compact:
        st.caption(line)
    else:
        st.info(line, icon=":material/timer:")


def _rows_in(path: str | None) -> int:
    from ui import loaders

    try:
        return len(loaders.texts(path, None, None))
    except StudioError:
        return 0


def _cached_share(ctx, encoder_folder: str, texts: list[str], max_length: int, train_rows: int) -> int:
    """About how many of the training texts the workspace's embeddings cache holds (the page's share of them)."""
    from core.train.methods.quick import cached_texts

    try:
        found = cached_texts(ctx.workspace, encoder_folder, texts, max_length)
    except Exception:  # noqa: BLE001 - a cache that cannot be read only makes the estimate longer
        return 0
    return round(found * train_rows / max(1, len(texts)))
