"""The devices a run trains on: listed on the Model page, picked on the Train page (GPUs: all free ones unless the
user picks; the CPU: how many processes), with the effective batch the choice gives."""

from __future__ import annotations

import streamlit as st

from core.device import free_gpus, list_devices
from ui import format as fmt
from ui import t
from ui.widgets import md


@st.cache_data(ttl=10, show_spinner=False)
def devices() -> list[dict]:
    """nvidia-smi's view (no torch import), asked again every 10 s so free memory stays current."""
    return list_devices()


def device_line(device: dict) -> str:
    if device["id"] == "cpu":
        return t("devices.cpu", name=md(device["name"]), cores=device["cores"],
                 memory=fmt.gigabytes(device["memory_gb"]))
    return t("devices.gpu", id=device["id"], name=md(device["name"]), free=fmt.gigabytes(device["free_gb"]),
             memory=fmt.gigabytes(device["memory_gb"]))


def devices_panel() -> None:
    """The Model page: every GPU with its free memory, and the CPU."""
    st.subheader(t("devices.title"))
    st.markdown("  \n".join(f"- {device_line(d)}" for d in devices()))


def device_picker(ctx) -> None:
    """The Train page: which GPUs (every free one by default), or the CPU's processes; then the effective batch."""
    found = devices()
    gpus = [d for d in found if d["id"] != "cpu"]
    config = ctx.config
    if gpus:
        by_id = {d["id"]: d for d in gpus}
        chosen = [d for d in (config.devices or "").split(",") if d in by_id] or free_gpus(gpus) or [gpus[0]["id"]]
        picked = st.multiselect(t("devices.pick"), list(by_id), default=chosen, format_func=lambda i: (
            f"{i} · {by_id[i]['name']} · {fmt.gigabytes(by_id[i]['free_gb'])} {t('devices.free')}"),
            help=t("devices.pick_help"))
        value = ",".join(picked) if picked != free_gpus(gpus) else ""  # "" follows whatever is free at Start
        if value != (config.devices or ""):
            ctx.update(devices=value)
        count = max(1, len(picked))
    else:
        st.caption(t("train.on_device", device=device_line(found[-1])))  # its name escaped inside
        nproc = int(st.number_input(t("devices.nproc"), min_value=1, max_value=max(1, found[-1]["cores"]),
                                    value=min(config.nproc, max(1, found[-1]["cores"])), help=t("devices.nproc_help")))
        if nproc != config.nproc:
            ctx.update(nproc=nproc)
        count = nproc
    effective = config.batch_size * count * max(1, config.gradient_accumulation)
    st.caption(t("devices.effective_batch", batch=config.batch_size, devices=count, effective=effective))


def run_devices_note(run) -> None:
    """Under the run's progress: the processes it trains in (when several), and a batch halved to fit."""
    from core.runs.launcher import placement_facts

    facts = placement_facts(run.config, run.results)
    if facts["world_size"] > 1:
        config = run.config
        effective = (config.get("batch_size") or 0) * facts["world_size"] * max(1, config.get("gradient_accumulation")
                                                                                or 1)
        st.caption(t("devices.run_on", n=facts["world_size"], devices=", ".join(facts["devices"]),
                     batch=config.get("batch_size"), effective=effective))
    fit = (run.results or {}).get("batch_fit")
    if fit:
        st.info(t("devices.batch_fit", asked=fit["asked"], used=fit["used"], accumulation=fit["gradient_accumulation"]),
                icon=":material/memory:")
