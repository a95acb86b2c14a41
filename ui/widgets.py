"""Widgets the pages share: errors as sentences, the training settings, the will-it-fit panel.

No business logic here: settings come from `core.train.config.field_specs()`, estimates from `core.train.estimate`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from core.errors import StudioError
from core.train.config import PRESETS, TrainConfig, field_specs
from ui import format as fmt
from ui.i18n import t, t_default, t_engine

log = logging.getLogger(__name__)

IN_APP = "_studio_in_app"  # set by app.py: page links work only inside its navigation
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")
STEPS = {"epochs": 1.0, "learning_rate": 1e-5, "weight_decay": 0.01, "warmup_ratio": 0.05}
FORMATS = {"learning_rate": "%.1e", "epochs": "%g", "weight_decay": "%g", "warmup_ratio": "%g"}
REMOTE_CODE_ENV = "STUDIO_TRUST_REMOTE_CODE"  # set by whoever starts the server; no page can turn it on


def md(text: Any) -> str:
    """A user's string (a file name, a label, a text) made literal for Streamlit's markdown."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def show_error(error: StudioError) -> None:
    """One plain sentence and what to do about it; never a traceback."""
    text = md(error.message)
    headline = t_engine(f"error.kind.{error.kind}", "")  # a sentence in the reader's language over the engine's
    if headline:
        text = f"**{headline}**  \n{text}"
    if error.fix:
        text += f"  \n**{t('error.fix')}** {md(error.fix)}"
    st.error(text, icon=":material/error:")


@contextmanager
def guard() -> Iterator[None]:
    """Run a page body: a StudioError shows as its sentence, anything else as a plain apology with details folded."""
    try:
        yield
    except StudioError as error:
        show_error(error)
    except Exception as error:  # noqa: BLE001 - a page must never show a raw traceback
        log.exception("A page failed")
        st.error(t("error.unexpected"), icon=":material/error:")
        with st.expander(t("error.details")):
            frames = "".join(traceback.format_tb(error.__traceback__)[-6:])
            st.code(f"{type(error).__name__}: {error}\n\n{frames}", language=None)


def next_step(page: str, label_key: str, icon: str = ":material/arrow_forward:") -> None:
    """A link to the next page of the journey (a hint when the page runs on its own, outside app.py)."""
    if st.session_state.get(IN_APP):
        st.page_link(page, label=t(label_key), icon=icon)
    else:
        st.caption(t(label_key))


# --------------------------------------------------------------------------------------- settings

def advanced_specs() -> list[dict[str, Any]]:
    """The settings folded away on the Train page; the model and the data are chosen on their own pages."""
    return [s for s in field_specs() if s["advanced"] and s["page"] == "train"]


def preset_picker(ctx) -> None:
    """Quick / balanced / best; switching puts the new preset's values in place of the old one's."""
    config = ctx.config
    names = list(PRESETS)
    picked = st.radio(t("train.preset"), names, index=names.index(config.preset), horizontal=True,
                      format_func=lambda p: t(f"preset.{p}"), captions=[t(f"preset.{p}.help") for p in names])
    if picked != config.preset:
        ctx.update(config=config.with_preset(picked))


def settings_expander(ctx) -> None:
    """Every advanced setting of TrainConfig, folded away, generated from its field metadata."""
    config = ctx.config
    changed = config.changed_from_preset()
    title = t("train.advanced") + (f" · {t('train.changed', n=len(changed))}" if changed else "")
    # a fixed key: the title changes with the count, and a new title would otherwise fold the panel away mid-edit
    with st.expander(title, icon=":material/tune:", key="advanced_settings"):
        columns = st.columns(3)
        new = {}
        for i, spec in enumerate(advanced_specs()):
            name, current = spec["name"], getattr(config, spec["name"])
            with columns[i % 3]:
                value = field_widget(spec, current, disabled=name == "lora_r" and not config.lora)
            if value != current:
                new[name] = value
        if changed and st.button(t("train.reset"), icon=":material/restart_alt:"):
            base = TrainConfig.from_preset(config.preset)
            new = {name: getattr(base, name) for name in changed}
        st.caption(t("train.remote_code_on" if remote_code_allowed() else "train.remote_code_off"))
    if new:
        ctx.update(**new)
        st.rerun()


def remote_code_allowed() -> bool:
    """Whether whoever started the server allowed Hub models to run their own code (STUDIO_TRUST_REMOTE_CODE=1)."""
    return os.environ.get(REMOTE_CODE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def page_run_config(config: TrainConfig) -> TrainConfig:
    """The run a page submits: the user's choices, its name trimmed, and remote code only as the server allows.

    The saved choices may hold trust_remote_code from an older version that had a toggle: the environment wins.
    """
    return dataclasses.replace(config, name=config.name.strip(), trust_remote_code=remote_code_allowed())


def truncation_note(ctx) -> None:
    """How many texts the chosen max length cuts, said beside Start: a preset's 64 tokens cut long reviews."""
    from ui import loaders

    config = ctx.config
    try:
        _, lengths = loaders.report(config.data, config.text_column, config.label_column, config.model,
                                    config.max_length)
        texts = loaders.texts(config.data, config.text_column, config.label_column).texts
    except StudioError:
        return  # the Start button says what is wrong with the data or the model
    cut = sum(n > config.max_length for n in lengths or [])
    if not cut:
        return
    total = sum(1 for text in texts if text.strip())
    sampled = len(lengths) < total  # the lengths of the first few thousand texts stand for all of them
    count = round(cut / len(lengths) * total) if sampled else cut
    st.caption(t("train.truncated_about" if sampled else "train.truncated", n=f"{count:,}", total=f"{total:,}",
                 max_length=config.max_length, share=fmt.percent(cut / len(lengths))))


def field_widget(spec: dict[str, Any], value: Any, disabled: bool = False) -> Any:
    """One widget for one TrainConfig field: a toggle, a number box or a choice."""
    name = spec["name"]
    label = t_default(f"field.{name}", spec["label"])
    help_text = t_default(f"field.{name}.help", spec["help"])
    if spec.get("choices"):
        options = list(spec["choices"])
        return st.selectbox(label, options, index=options.index(value) if value in options else 0, help=help_text,
                            disabled=disabled)
    if spec["type"] == "bool":
        return st.toggle(label, value=bool(value), help=help_text, disabled=disabled)
    # epochs has an int default but takes fractions (min 0.05): the bounds tell
    fractional = spec["type"] == "float" or (spec.get("min") is not None and spec["min"] != int(spec["min"]))
    if spec["type"] == "int" and not fractional:
        return int(st.number_input(label, min_value=int(spec["min"]), max_value=int(spec["max"]), value=int(value),
                                   step=1, help=help_text, disabled=disabled))
    if fractional:
        return float(st.number_input(label, min_value=float(spec["min"]), max_value=float(spec["max"]),
                                     value=float(value), step=STEPS.get(name, 0.01), format=FORMATS.get(name, "%g"),
                                     help=help_text, disabled=disabled))
    return st.text_input(label, value=str(value or ""), help=help_text, disabled=disabled)


# ------------------------------------------------------------------------------------ will it fit

def training_estimate(ctx) -> tuple[Any, list, Any] | None:
    """The estimate for the current choices on this device, its fixes, and the device; None when unknown."""
    from core.device import describe_device
    from core.train.calibrate import cached_cost, request_calibration
    from core.train.estimate import TokenStats, fixes, guess_tokens, run_estimate
    from ui import loaders

    config = ctx.config
    info = loaders.model_info(config.model)
    if not info.parameters:
        return None
    data = loaders.texts(config.data, config.text_column, config.label_column)
    rows = sum(1 for text, label in zip(data.texts, data.labels, strict=True)
               if text.strip() and (label or data.label_column is None))
    from core.train.scale import val_rows_for

    rows = min(rows, config.sample_rows) if config.sample_rows else rows  # a sample first, when chosen
    val_rows = 0 if config.val_data else val_rows_for(config.val_fraction, rows, config.val_max_rows)
    train_rows = max(1, rows - val_rows)
    try:  # the data check counted the texts' tokens already (cached): the estimate reuses its counts
        _, lengths = loaders.report(config.data, config.text_column, config.label_column, config.model,
                                    config.max_length)
    except StudioError:
        lengths = None
    tokens = TokenStats.from_lengths(lengths) if lengths else guess_tokens(data.texts)
    device = describe_device()
    step_cost = cached_cost(ctx.workspace, config.model, device.name)
    if step_cost is None:
        request_calibration(ctx.workspace, config.model)  # the standby worker measures it while the user reads
    shape = {"hidden_size": info.hidden_size, "layers": info.layers}
    if config.method in ("quick", "few-shot"):  # no epochs: texts to embed and SetFit's steps (ui.method_time)
        from ui.method_time import method_time_estimate

        return method_time_estimate(ctx, info, data, train_rows, rows - train_rows, tokens, device, step_cost), [], \
            device
    result = run_estimate(info.parameters, config, train_rows, val_rows, tokens, device,
                          runs=ctx.store.list_runs(("completed",)), step_cost=step_cost, **shape)
    return result, fixes(info.parameters, config, train_rows, tokens, device, **shape), device


def estimate_panel(ctx, compact: bool = False) -> None:
    """Memory needed and time per epoch on this device, with one-click fixes when it does not fit."""
    found = training_estimate(ctx)
    if found is None:
        st.info(t("estimate.unknown"))
        return
    result, fix_list, device = found
    if getattr(result, "method", None):  # a quick or few-shot run: its own line, no epochs
        from ui.method_time import method_time_line

        method_time_line(result, compact)
        return
    epochs = ctx.config.epochs
    basis = {"run": t("estimate.measured", run=result.measured_run), "measured": t("estimate.calibrated"),
             "rough": t("estimate.rough")}[result.basis]
    memory = t("estimate.memory_value", need=fmt.gigabytes(result.memory_gb), have=fmt.gigabytes(result.available_gb))
    low, high = result.run_seconds(epochs)
    timing = t("estimate.time_value", epoch=fmt.duration(result.seconds_per_epoch), epochs=f"{epochs:g}",
               total=fmt.duration_range(low, high))
    if compact:
        line = t("estimate.compact", memory=memory, time=timing)
        (st.caption if result.fits else st.warning)(line + " " + basis)
    else:
        left, right = st.columns(2)
        left.metric(t("estimate.memory"), fmt.gigabytes(result.memory_gb),
                    help=t("estimate.memory_help", model=fmt.gigabytes(result.model_gb),
                           activations=fmt.gigabytes(result.activations_gb)))
        left.caption(memory)
        right.metric(t("estimate.epoch_time"), fmt.duration(result.seconds_per_epoch))
        right.caption(timing + " " + basis)
        if result.fits:
            st.success(t("estimate.fits", device=md(device.name)), icon=":material/check_circle:")
    if not result.fits:
        st.error(t("estimate.too_big", need=fmt.gigabytes(result.memory_gb),
                   have=fmt.gigabytes(result.available_gb)), icon=":material/memory:")
        for i, fix in enumerate(fix_list):
            values = {k: v for k, v in fix.overrides.items()}
            label = t(f"estimate.fix.{fix.code}", **values, need=fmt.gigabytes(fix.estimate.memory_gb))
            if st.button(label, key=f"fix-{compact}-{i}", icon=":material/build:"):
                ctx.update(**fix.overrides)
                st.rerun()
        if not fix_list:
            st.caption(t("estimate.no_fix"))
