"""Present: a finished model on a projector. One large box, large bars, the run's own examples, and two runs
side by side on the same sentence; the app's chrome is hidden so the room sees only the model.
"""

import streamlit as st

from core.store.run_folder import model_dir
from ui import page_setup, t
from ui.presenter import hide_chrome, stage
from ui.widgets import guard, next_step

ctx = page_setup()
hide_chrome()
with guard():
    runs = [r for r in ctx.store.list_runs(("completed",)) if (model_dir(r.run_dir) / "config.json").exists()]
    if not runs:  # nothing to show a room yet: say which page this is and where the model comes from
        st.title(t("nav.present"))
        st.info(t("try.no_runs"), icon=":material/info:")
        next_step("pages/train.py", "try.go_train")
        st.stop()
    by_id = {r.id: r for r in runs}
    ids = list(by_id)
    pick, other, switch, leave = st.columns([4, 4, 2, 1], vertical_alignment="bottom")
    run_id = pick.selectbox(t("present.run"), ids, format_func=lambda i: by_id[i].name, key="present_run",
                            index=ids.index(ctx.choices.run_id) if ctx.choices.run_id in ids else 0)
    compare = switch.toggle(t("present.compare"), key="present_compare", disabled=len(ids) < 2)
    with leave:
        next_step("pages/try.py", "present.leave", icon=":material/close:")
    second_id = None
    if compare:
        second_id = other.selectbox(t("present.second"), [i for i in ids if i != run_id],
                                    format_func=lambda i: by_id[i].name, key="present_second")
    stage(ctx.store, by_id[run_id], by_id[second_id] if second_id else None)
