"""Fine-Tune Studio: from a model to a live demo of your own text classifier, in a few clicks.

    streamlit run app.py      (or ./studio app)

This file has two roles. `streamlit run app.py` first imports it as a module and finds `app`: Streamlit's own
server plus one route of ours, through which the Present page's script gets each answer without a page rerun
(core/serve/live_answers.py). Streamlit then runs it as the page script (`__main__`) on every rerun: the list of
pages is ui/shell.py's PAGES; each page is a thin script in pages/ that also runs on its own (ui.page_setup).
Trainings run in their own processes, never in this one.
"""

import streamlit as st

if __name__ == "__main__":
    from ui import loaders, page_setup
    from ui.shell import navigation, sidebar
    from ui.widgets import IN_APP

    st.set_page_config(page_title="Fine-Tune Studio", page_icon=":material/model_training:", layout="wide")
    ctx = page_setup()
    st.session_state[IN_APP] = True  # page links work: the pages are in this app's navigation
    page = navigation(ctx)
    sidebar(ctx)
    try:
        page.run()
    finally:  # after the page is drawn, so the first page of a fresh server does not wait on it
        if page.url_path != "present":  # the stage answers without torch: importing it there slowed every sentence
            loaders.warm_up()  # the Data and Try pages need transformers: import it while the user reads this page
else:
    # imported once as the server starts, not in the first page's run: it took about 0.3 s of it. (The
    # app's own modules wait: their caches made before Streamlit's runtime exists each log a warning.)
    import pandas  # noqa: F401

    from core.serve.live_answers import ROUTES

    app = st.App(__file__, routes=ROUTES)
