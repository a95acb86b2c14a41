"""Model: pick the pretrained model to fine-tune, and see whether training it fits this computer."""

from pathlib import Path

import streamlit as st

from core.errors import StudioError
from core.models.catalogue import ModelCard, suggested_models
from core.models.languages import language_advice
from core.store.workspace import models_dir
from ui import format as fmt
from ui import loaders, page_setup, t
from ui.devices import devices_panel
from ui.i18n import t_engine
from ui.model_sources import fetch, sources_panel, suggestion_line
from ui.widgets import estimate_panel, guard, md, next_step, remote_code_allowed, show_error

ctx = page_setup()
st.title(t("model.title"))
st.caption(t("model.intro"))


def languages(codes: list[str]) -> str:
    return ", ".join(t(f"lang.{c}") if c in ("en", "zh", "multilingual") else c for c in codes) or t("lang.unknown")


def describe(card: ModelCard) -> str:
    if card.source == "built-in" and card.ready:
        return t("model.desc.builtin")
    if card.ready and card.source in ("local", "cache", "hub"):
        return t(f"model.desc.{card.source}")
    return t_engine("model.desc.unusable", card.description)


def use_model(model_id: str) -> None:
    """Fetch (if needed) and describe a model, then make it the chosen one."""
    with st.spinner(t("model.fetching", id=model_id)):
        try:
            fetch(model_id, remote_code_allowed())  # a Hub id: downloaded with a progress bar
            loaders.model_info(model_id)
        except StudioError as error:
            show_error(error)
            return
    ctx.update(model=model_id)
    loaders.model_cards.clear()
    st.rerun()


def draw_card(card: ModelCard) -> None:
    chosen = card.id == ctx.config.model
    with st.container(border=True):
        st.markdown(f"#### {md(t('model.builtin_name') if card.source == 'built-in' else card.name)}")
        badges = [f":blue-badge[:material/check: {t('model.in_use')}]"] if chosen else []
        badges.append(f":green-badge[:material/bolt: {t('model.ready')}]" if card.ready
                      else f":gray-badge[:material/block: {t('model.not_ready')}]")
        st.markdown(" ".join(badges))
        st.caption(t(f"model.source.{card.source}"))
        st.markdown(t("model.facts", size=fmt.size_mb(card.size_mb), params=fmt.parameters(card.parameters),
                      languages=languages(card.languages)))
        st.markdown(md(describe(card)))
        if not chosen and st.button(t("model.use"), key=f"use-{card.id}", disabled=not card.ready,
                                    icon=":material/check_circle:"):
            ctx.update(model=card.id)
            st.rerun()


def model_advice() -> tuple[str | None, str]:
    """A sentence when the chosen model does not know the language of the chosen data, and that language."""
    from core.data.language import detect_language

    info = loaders.model_info(ctx.config.model)
    data = loaders.texts(ctx.config.data, ctx.config.text_column, ctx.config.label_column)
    data_language = detect_language(data.texts)
    return language_advice(info, data_language), data_language


def hub_section(expanded: bool) -> None:
    """A Hub id (or a folder) to fetch, and models that know Chinese; open when the data needs one."""
    with st.expander(t("model.hub_title"), icon=":material/cloud_download:", expanded=expanded):
        st.caption(t("model.hub_intro"))
        hub_id = st.text_input(t("model.hub_id"), placeholder="google-bert/bert-base-chinese")
        if st.button(t("model.hub_use"), icon=":material/download:") and hub_id.strip():
            use_model(hub_id.strip())
        st.markdown(t("model.suggest_title"))
        for card in suggested_models():
            left, right = st.columns([4, 1])
            left.markdown(f"{suggestion_line(card)} · {languages(card.languages)}")
            if right.button(t("model.download_use"), key=f"hub-{card.id}"):
                use_model(card.id)
        st.caption(t("train.remote_code_on" if remote_code_allowed() else "train.remote_code_off"))
        sources_panel(ctx)  # the Hub, a mirror of it, or ModelScope


with guard():
    if not ctx.store.list_runs():
        st.info(t("model.newcomer"), icon=":material/waving_hand:")
    cards = list(loaders.model_cards(str(models_dir(ctx.workspace))))
    if ctx.config.model not in {c.id for c in cards}:
        try:
            info = loaders.model_info(ctx.config.model)
            source = "local" if Path(ctx.config.model).expanduser().exists() else "cache"
            cards.append(ModelCard(ctx.config.model, ctx.config.model, source, info.path, info.size_mb,
                                   info.parameters, info.languages, info.parameters is not None))
        except StudioError as error:
            show_error(error)
    st.subheader(t("model.catalogue"))
    columns = st.columns(3)
    for i, card in enumerate(cards):
        with columns[i % 3]:
            draw_card(card)
    st.caption(t("model.local_hint", folder=md(models_dir(ctx.workspace))))
    try:
        advice, data_language = model_advice()
    except StudioError:
        advice, data_language = None, None  # the will-it-fit section below says what is wrong
    hub_section(expanded=data_language == "zh" and advice is not None)

    st.subheader(t("model.fit_title"))
    st.caption(t("model.fit_intro", data=md(Path(ctx.config.data).name)))
    if advice:
        key = "model.advice.zh_data" if data_language == "zh" else "model.advice.en_data"
        name = t("model.builtin_name") if ctx.config.model == "default" else ctx.config.model
        st.warning(t_engine(key, advice, model=md(name)), icon=":material/translate:")
    try:
        estimate_panel(ctx)
    except StudioError as error:
        show_error(error)
    devices_panel()  # every GPU with its free memory, and the CPU
    next_step("pages/data.py", "model.next")
