"""The whole journey in a real browser: upload data, train with the quick preset, try the model; in English and Chinese.

Starts the app (`streamlit run app.py`) on a free localhost port with a fresh workspace and drives
Debian's headless Chromium through it with Playwright. Every wait is a poll with a deadline; the
visible strings come from the catalogues (ui/locales/*.json), so a changed wording does not break
the test and a missing translation does. Screenshots of every step go to $STUDIO_SHOTS (default: a
pytest tmp folder). Skipped when /usr/bin/chromium or Playwright is missing.

    .venv/bin/python -m pytest tests/test_browser.py -q        (3-5 minutes on a 2-core CPU)
    STUDIO_SHOTS=/tmp/shots .venv/bin/python -m pytest tests/test_browser.py -q -s
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# as /work/shared/tools/screenshots.py starts it: no sandbox, no GPU, nothing that reaches the network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_S = 120       # streamlit's first start imports a lot
PAGE_DRAW_S = 120          # the first Data page loads the tokenizer (and waits for the torch import)
TRAINING_S = 420           # a quick run of one epoch takes 30-90 s here; a busy CI runner is slower

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("Playwright for Python is not installed (pip install playwright)", allow_module_level=True)
if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); no browser is downloaded",
                allow_module_level=True)


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


def shown(template: str, **values) -> str:
    """A catalogue string as the page shows it: placeholders filled, markdown emphasis gone, spaces collapsed."""
    text = template.format(**values) if values else template
    return squash(text.replace("**", ""))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pieces(template: str) -> list[str]:
    """The fixed parts of a catalogue string around its {placeholders}: what the page shows whatever the values."""
    return [squash(p.replace("**", "")) for p in re.split(r"\{[^}]*\}", template) if p.strip(" .,;:·。，：")]


# ------------------------------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Studio:
    url: str
    workspace: Path
    log: Path
    shots: Path
    timings: list[str] = field(default_factory=list)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def wait_for_health(url: str, server: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with {server.returncode} before answering:\n"
                        + log.read_text(encoding="utf-8", errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the app did not answer on {url} within {seconds:.0f} s:\n"
                + log.read_text(encoding="utf-8", errors="replace")[-3000:])


def worker_pids(workspace: Path) -> set[int]:
    """Training workers of this workspace: the pids in its run store, and any `core.runs.worker ... --workspace W`."""
    pids: set[int] = set()
    try:
        from core.store.runs import RunStore

        pids |= {r.pid for r in RunStore(workspace).list_runs() if r.pid}
    except Exception:  # noqa: BLE001 - no store yet, or a damaged one: the /proc scan below still finds them
        pass
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"core.runs.worker" in argv and str(workspace).encode() in argv:
                pids.add(int(entry.name))
    return pids


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process and, when it leads its own group (workers and our server do), the whole group."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> Iterator[Studio]:
    """The app on a free localhost port with a fresh workspace; it and its training workers are killed after."""
    base = tmp_path_factory.mktemp("browser")
    workspace = base / "workspace"
    shots = Path(os.environ["STUDIO_SHOTS"]) if os.environ.get("STUDIO_SHOTS") else base / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    log = base / "server.log"
    port = free_port()
    # standby workers on, as for a user: the Train page warms one up before Start is pressed
    env = {**os.environ, "STUDIO_WORKSPACE": str(workspace), "PYTHONUNBUFFERED": "1", "STUDIO_STANDBY": "1"}
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             # the app must not reload itself when someone edits the project's files during the test
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, server, log, SERVER_START_S)
        studio = Studio(url, workspace, log, shots)
        yield studio
        if studio.timings:
            (shots / "timings.txt").write_text("\n".join(studio.timings) + "\n", encoding="utf-8")
    finally:
        for pid in worker_pids(workspace):  # workers run in their own sessions: the server's end leaves them
            kill_tree(pid)
        kill_tree(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            kill_tree(server.pid)
            server.wait(10)
        for pid in worker_pids(workspace):  # one spawned while the server was stopping
            kill_tree(pid)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser, studio) -> Iterator[Page]:
    """A new browser session (English locale); the language is switched in the app, as a user would."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# ------------------------------------------------------------------------------------------ waiting

_SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stSpinner"]')
    && !document.querySelector('[data-stale="true"]');
}"""


def poll(what: str, check: Callable[[], object], seconds: float, page: Page | None = None,
         every: float = 0.25):
    """`check()` until it gives something true, or fail with `what` (and the page's text) after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n--- the page says:\n{main_text(page)[:3000]}" if page is not None else ""
            pytest.fail(f"waited {seconds:.0f} s for {what}{detail}")
        time.sleep(every)


def settle(page: Page, seconds: float = PAGE_DRAW_S) -> None:
    """Until the script has finished, twice in a row (an st.rerun starts a new run at once), with no spinner left."""
    def settled() -> bool:
        if not page.evaluate(_SETTLED):
            return False
        page.wait_for_timeout(400)
        return page.evaluate(_SETTLED)

    poll("the page to finish drawing", settled, seconds, page)


def main_text(page: Page | None) -> str:
    if page is None:
        return ""
    try:
        return squash(page.get_by_test_id("stMain").inner_text(timeout=5000))
    except Exception:  # noqa: BLE001 - only for a failure message
        return "(the page could not be read)"


def open_page(page: Page, nav_label: str, title: str, seconds: float = PAGE_DRAW_S) -> float:
    """Click a page in the sidebar navigation; seconds until its title is there and it has finished drawing."""
    start = time.monotonic()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=nav_label, exact=True).click()
    wait_for_title(page, title, seconds)
    return time.monotonic() - start


def wait_for_title(page: Page, title: str, seconds: float = PAGE_DRAW_S) -> None:
    poll(f"the page titled {title!r}",
         lambda: page.locator("h1").filter(has_text=title).count() > 0, seconds, page)
    settle(page, seconds)


def assert_no_failure(page: Page, cat: dict[str, str]) -> None:
    """No exception box, traceback or 'something went wrong' on the page."""
    assert page.get_by_test_id("stException").count() == 0, main_text(page)
    text = main_text(page)
    assert "Traceback" not in text, text
    assert squash(cat["error.unexpected"]) not in text, text


def chosen(page: Page, label: str) -> str:
    """What a selectbox shows as chosen."""
    return page.get_by_test_id("stSelectbox").get_by_role("combobox", name=label, exact=True).input_value()


def plot_data(page: Page, key_prefix: str) -> list[dict]:
    """The traces of the plotly charts whose Streamlit key starts with `key_prefix`, as drawn in the browser."""
    return page.evaluate(
        """prefix => Array.from(document.querySelectorAll(`[class*="st-key-${prefix}"] .js-plotly-plot`))
             .filter(g => !g.closest('[data-stale="true"]'))  // a chart left from the previous script run
             .flatMap(g => (g.data || []).map(t => ({x: Array.from(t.x || []), y: Array.from(t.y || []),
                                                     name: t.name || ''})))""", key_prefix)


def y_span(page: Page, key_prefix: str) -> float:
    """How much of the y axis the first such chart shows (a lone point once got an axis 1e-16 wide)."""
    return page.evaluate("""prefix => { const g = document.querySelector(`[class*="st-key-${prefix}"] .js-plotly-plot`);
        const r = g && g._fullLayout && g._fullLayout.yaxis.range; return r ? Math.abs(r[1] - r[0]) : 0; }""",
                         key_prefix)


def shot(studio: Studio, page: Page, name: str) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside its main area, so the window grows to fit)."""
    height = page.evaluate("""() => Math.max(...['stMain', 'stAppViewContainer', 'stSidebarContent'].map(id => {
        const el = document.querySelector(`[data-testid="${id}"]`); return el ? el.scrollHeight : 0; }))""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height, VIEWPORT["height"]), 6000))})
    page.wait_for_timeout(400)  # charts follow the new size
    path = studio.shots / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    return path


def report(studio: Studio, capsys, line: str) -> None:
    studio.timings.append(line)
    with capsys.disabled():
        print(f"\n[browser timing] {line}", end="")


# ------------------------------------------------------------------------------------------ training

def quick_one_epoch(page: Page, cat: dict[str, str]) -> None:
    """On the Train page: the Quick preset, then 1 epoch in the advanced settings (which stay open)."""
    presets = page.get_by_test_id("stRadio").filter(has_text=cat["train.preset"])
    presets.get_by_text(cat["preset.quick"], exact=True).click()
    settle(page)
    assert presets.locator("input[type=radio]:checked").count() == 1
    assert cat["preset.quick.help"] in presets.inner_text()
    page.get_by_test_id("stExpander").filter(has_text=cat["train.advanced"]).locator("summary").click()
    epochs = page.get_by_test_id("stNumberInput").filter(has_text=cat["field.epochs"]).locator("input")
    epochs.fill("1")
    epochs.press("Enter")
    changed = f"{cat['train.advanced']} · {shown(cat['train.changed'], n=1)}"
    poll("the epochs setting to be kept", lambda: changed in main_text(page), 30, page)
    settle(page)
    assert epochs.is_visible() and epochs.input_value() == "1"  # the panel stays open for the next change


def start_training(studio: Studio, page: Page, cat: dict[str, str]):
    """Press Start on the Train page; (the run store, the new run, when Start was pressed) once the page shows it."""
    from core.store.runs import RunStore

    store = RunStore(studio.workspace)
    earlier = {r.id for r in store.list_runs()}
    page.get_by_test_id("stButton").filter(has_text=cat["train.start"]).click()
    started = time.monotonic()
    run = poll("the run to be queued", lambda: next((r for r in store.list_runs() if r.id not in earlier), None),
               60, page)
    poll("the new run to show", lambda: any(run.name in h for h in page.locator("h3").all_inner_texts()), 60, page)
    return store, run, started


def training_failed(store, run, page: Page) -> None:
    """Fail at once, with the worker's log, when the run ended any other way than completed."""
    now = store.get(run.id)
    if now.status in ("failed", "interrupted", "stopped"):
        log = Path(now.run_dir) / "worker.out"
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
        pytest.fail(f"the training ended as {now.status}: {now.error}\n{tail}\n--- the page says:\n"
                    f"{main_text(page)[:2000]}")


def wait_until_finished(page: Page, cat: dict[str, str], store, run, seconds: float = TRAINING_S) -> None:
    """Until the Train page says the run completed, with its scores; the run store agrees."""
    def completed() -> bool:
        training_failed(store, run, page)
        text = main_text(page)
        return f"{run.name} {cat['status.completed']}" in text and all(p in text for p in pieces(cat["train.done"]))

    poll("the run to finish", completed, seconds, page, every=1)
    settle(page)
    assert store.get(run.id).status == "completed"


# ------------------------------------------------------------------------------------------ the tests

def test_every_page_draws_on_a_fresh_workspace(studio, page, capsys):
    """A newcomer's first look at each page of the navigation: no failure, its title; how long each takes to draw."""
    from core.store.runs import RunStore
    from ui.shell import PAGES

    fresh = not RunStore(studio.workspace).list_runs()
    cat = catalogue("en")
    times = {}
    for i, (_, nav, url) in enumerate(PAGES):
        title = cat.get(f"{url}.title", cat[nav])
        if i == 0:
            start = time.monotonic()
            page.goto(studio.url + "/")
            wait_for_title(page, title)
            times[url] = time.monotonic() - start
        else:
            times[url] = open_page(page, cat[nav], title)
        assert_no_failure(page, cat)
        text = main_text(page)
        if fresh and url == "model":
            assert squash(cat["model.newcomer"]).replace("*", "") in text
        if fresh and url == "try":
            assert squash(cat["try.no_runs"]) in text
        shot(studio, page, f"{i:02d}-fresh-{url}")
    # the Present page hides the app's chrome (the sidebar too) for the projector: come back by its address
    page.goto(studio.url + "/runs")
    wait_for_title(page, cat.get("runs.title", cat["nav.runs"]))
    again = open_page(page, cat["nav.data"], cat["data.title"])
    where = "an empty workspace" if fresh else "a workspace with runs"
    report(studio, capsys, f"page draw on {where} (first visit, incl. the first page's connect): "
           + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items())
           + f"; data again {again:.1f} s")


@dataclass
class Journey:
    lang: str
    data: Path                  # the file to upload
    upload_as: str              # the name it is uploaded under
    text_column: str
    label_column: str
    labels: tuple[str, ...]
    language_key: str           # lang.en / lang.zh: the data check's language
    sentence: str


JOURNEYS = {
    "en": Journey("en", ROOT / "sample_data" / "movie_reviews_en.csv", "my_movie_reviews.csv", "text", "label",
                  ("negative", "positive"), "lang.en", "A wonderful film with a moving story and great actors."),
    "zh": Journey("zh", ROOT / "sample_data" / "product_reviews_zh.csv", "商品评论.csv", "评论", "情感",
                  ("好评", "差评"), "lang.zh", "质量很好，物流也快，非常满意。"),
}


@pytest.mark.parametrize("lang", list(JOURNEYS))
def test_the_journey_from_upload_to_a_prediction(studio, page, capsys, tmp_path, lang):
    journey = JOURNEYS[lang]
    cat = catalogue(lang)
    step = iter(range(1, 100))

    def snap(name: str) -> None:
        shot(studio, page, f"{lang}-{next(step):02d}-{name}")

    # --- Model page; switch the language with the sidebar radio, as a user would
    from ui.i18n import LANGUAGES

    page.goto(studio.url + "/")
    poll("the first page", lambda: page.locator("h1").count() > 0, PAGE_DRAW_S, page)
    settle(page)
    languages = page.get_by_test_id("stSidebar").get_by_test_id("stRadio")
    if not languages.get_by_role("radio", name=LANGUAGES[lang]).is_checked():  # English on a fresh workspace
        languages.get_by_text(LANGUAGES[lang], exact=True).click()
        wait_for_title(page, cat["model.title"])
        assert f"lang={lang}" in page.url  # a refresh or a shared link keeps the language
    wait_for_title(page, cat["model.title"])
    nav = page.get_by_test_id("stSidebarNav")
    for key in ("nav.model", "nav.data", "nav.train", "nav.try"):
        assert nav.get_by_role("link", name=cat[key], exact=True).count() == 1, key
    assert_no_failure(page, cat)
    snap("model")

    # --- Data: upload a file; its preview and its data check
    open_page(page, cat["nav.data"], cat["data.title"])
    upload = tmp_path / journey.upload_as
    shutil.copyfile(journey.data, upload)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=cat["data.upload"])
    uploader.locator("input[type=file]").set_input_files(str(upload))
    notice = shown(cat["data.uploaded"], name=journey.upload_as)
    poll("the upload's notice", lambda: notice in main_text(page), PAGE_DRAW_S, page)
    settle(page)
    rows = len(journey.data.read_text(encoding="utf-8-sig").splitlines()) - 1
    text = main_text(page)
    assert shown(cat["data.preview"], rows=f"{rows:,}", name=journey.upload_as) in text
    assert chosen(page, cat["data.pick"]) == f"{journey.upload_as} · {cat['data.saved']}"  # the upload is chosen
    assert chosen(page, cat["data.text_column"]) == journey.text_column  # the columns are found by themselves
    assert chosen(page, cat["data.label_column"]) == journey.label_column
    assert page.get_by_test_id("stDataFrame").count() >= 1
    assert cat["data.report"] in text
    metrics = squash(" ".join(page.get_by_test_id("stMetric").all_inner_texts()))
    assert f"{cat['data.rows']} {rows:,}" in metrics and f"{cat['data.labels']} {len(journey.labels)}" in metrics
    assert f"{cat['data.language']} {cat[journey.language_key]}" in metrics
    poll("the label chart", lambda: plot_data(page, "labels_chart"), 30, page)
    assert sorted(plot_data(page, "labels_chart")[0]["x"]) == sorted(journey.labels)  # one bar per label
    assert_no_failure(page, cat)
    snap("data-uploaded")

    # --- Train: the quick preset, one epoch, Start
    open_page(page, cat["nav.train"], cat["train.title"])
    model_name = cat["model.builtin_name"]
    summary = shown(cat["train.summary"], model=model_name, data=journey.upload_as, text=journey.text_column,
                    label=journey.label_column, validation=shown(cat["train.val_share"], share="20%"))
    assert summary in main_text(page)
    quick_one_epoch(page, cat)
    snap("train-settings")
    store, run, started = start_training(studio, page, cat)
    run_name = run.name
    assert Path(journey.upload_as).stem in run_name

    def first_point() -> bool:
        training_failed(store, run, page)
        return any(trace["x"] for trace in plot_data(page, f"loss-{run.id}"))

    poll("the first point on the loss chart", first_point, TRAINING_S, page, every=0.2)
    to_first_point = time.monotonic() - started
    snap("train-first-point")
    assert cat["chart.loss_title"] in main_text(page)
    assert y_span(page, f"loss-{run.id}") > 0.01  # the first point is drawn on a readable axis
    wait_until_finished(page, cat, store, run)
    to_finish = time.monotonic() - started
    loss = plot_data(page, f"loss-{run.id}")
    assert sum(len(trace["x"]) for trace in loss) >= 2
    poll("the scores chart", lambda: plot_data(page, f"scores-{run.id}"), 30, page)
    assert_no_failure(page, cat)
    snap("train-finished")
    report(studio, capsys, f"[{lang}] Start -> first loss point {to_first_point:.1f} s; "
           f"Start -> finished {to_finish:.1f} s (quick preset, 1 epoch)")

    # --- Try: a sentence, Enter; the label and one bar per label
    assert page.get_by_test_id("stPageLink").filter(has_text=cat["train.next"]).count() == 1  # the next step
    open_page(page, cat["nav.try"], cat["try.title"])
    assert shown(cat["try.labels"], labels=", ".join(journey.labels)) in main_text(page)
    box = page.get_by_test_id("stTextInput").filter(has_text=cat["try.type"]).locator("input")
    assert box.get_attribute("placeholder") == cat["try.placeholder"]
    box.fill(journey.sentence)
    box.press("Enter")

    def answer() -> list[str]:
        return [h for h in page.get_by_test_id("stMain").locator("h2").all_inner_texts() if h.strip() in
                journey.labels]

    label = poll("the predicted label", answer, PAGE_DRAW_S, page)[0].strip()
    poll("the probability bars", lambda: plot_data(page, "probabilities"), 30, page)
    settle(page)
    bars = plot_data(page, "probabilities")[0]
    assert sorted(bars["y"]) == sorted(journey.labels)
    assert abs(sum(bars["x"]) - 1) < 0.01 and max(bars["x"]) == bars["x"][bars["y"].index(label)]
    text = main_text(page)
    assert cat["try.label"] in text and all(p in text for p in pieces(cat["try.confidence"]))
    assert_no_failure(page, cat)
    snap("try-prediction")

    # --- Present: the same model on a projector-sized window; the answer comes from the page's answer route
    present_the_model(studio, page, cat, journey, label, snap)


STAGE_PANEL = ".stage-panel"


def present_the_model(studio: Studio, page: Page, cat: dict, journey: Journey, label: str, snap) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(studio.url + "/present")
    box = page.locator(".stage-input")
    poll("the stage's input", lambda: box.count() == 1 and box.get_attribute("placeholder"), PAGE_DRAW_S, page)
    assert box.get_attribute("placeholder") == cat["present.placeholder"]
    assert not page.get_by_test_id("stSidebar").is_visible()  # the app's chrome is hidden for the room
    assert cat["present.no_examples"] in main_text(page)
    box.fill(journey.sentence)
    box.press("Enter")
    panel = page.locator(STAGE_PANEL)
    poll("the stage's answer", lambda: panel.get_attribute("data-serial"), 30, page)
    assert panel.get_attribute("data-via") == "route"  # answered without a page rerun
    assert panel.locator(".stage-answer").inner_text().strip() == label  # the same answer as on Try
    bars = panel.evaluate("""p => [...p.querySelectorAll('.stage-bar')].filter(b => b.style.display !== 'none')
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map(b => b.querySelector('.stage-bar-label span').textContent)""")
    assert sorted(bars) == sorted(journey.labels) and bars[0] == label  # the answer's bar on top, as seen
    assert all(piece in panel.locator(".stage-time").inner_text() for piece in pieces(cat["present.time"]))
    assert page.locator(".stage-answer").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 40
    page.wait_for_timeout(700)  # the bars' widths animate to the answer
    page.screenshot(path=str(studio.shots / f"{journey.lang}-present-1280x720.png"))
    # save the sentence as an example; the example's button asks it again
    page.locator(".stage-save").click()
    example = page.locator(".stage-example")
    poll("the saved example", lambda: example.count() == 1, PAGE_DRAW_S, page)
    assert example.get_attribute("title") == journey.sentence
    box.fill("")
    box.press("Enter")
    poll("the stage cleared", lambda: not panel.locator(".stage-answer").inner_text().strip(), 30, page)
    example.click()
    poll("the example's answer", lambda: panel.locator(".stage-answer").inner_text().strip() == label, 30, page)
    assert box.input_value() == journey.sentence
    assert_no_failure(page, cat)
    snap("present-example")
    from core.store.runs import RunStore

    if len(RunStore(studio.workspace).list_runs(("completed",))) > 1:  # the second journey: two runs to compare
        page.set_viewport_size({"width": 1280, "height": 720})  # the screenshot above set the window's own size
        page.get_by_text(cat["present.compare"], exact=True).click()
        poll("two panels answered", lambda: page.locator(STAGE_PANEL).count() == 2 and all(
            p.get_attribute("data-serial") for p in page.locator(STAGE_PANEL).all()), PAGE_DRAW_S, page)
        assert [p.get_attribute("data-via") for p in page.locator(STAGE_PANEL).all()] == ["route", "route"]
        assert len(set(page.locator(".stage-title").all_inner_texts())) == 2  # one model a side
        page.wait_for_timeout(700)
        page.screenshot(path=str(studio.shots / f"{journey.lang}-present-compare-1280x720.png"))
    page.set_viewport_size(VIEWPORT)
