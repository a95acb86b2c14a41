"""The Present page in a real browser, cold: how long from opening the page to the model being ready and the
first answer on the stage, and how long each further sentence takes to come back.

Trains a small model on the packaged MiniLM (bench_predict's quick run: 2,000 SST-2 rows when the shared datasets
are here, so the int8 check has 400 validation rows; else the sample reviews), exports it to ONNX with int8, starts
a fresh Streamlit server (nothing loaded yet), opens Present in headless Chromium and types sentences. Three sides
are timed in one run: the int8 export the page prefers, answered through the app's answer route; the same export
with every sentence sent through a page rerun instead (the stage before the route, and its fallback); and the
PyTorch model (export removed). Each answer is timed twice: the harness's round trip (type, Enter, the new bars
found) and, inside the page, from the Enter key going down to the frame painted with the answer, which is what the
room sees.

    .venv/bin/python bench/bench_present.py [--sentences 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_predict import quick_run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
SENTENCES = ["The film was a delight from start to finish.", "A dull, lifeless script and wooden acting.",
             "I would happily watch it again tomorrow.", "Two hours of my life I will never get back.",
             "The music alone is worth the ticket.", "It drags badly in the middle.",
             "A warm, funny and clever story.", "The plot makes no sense at all.",
             "Beautifully shot and well acted.", "Boring, predictable and far too long.",
             "An instant favourite.", "I walked out after half an hour."]
# what changes on the stage with every answer, even one with the same words and timing: the panel's answer serial
STAMP = "() => { const b = document.querySelector('.stage-panel'); return b ? (b.dataset.serial || '') : ''; }"
# inside the page, what a person sees: from the Enter key going down to the first frame painted with the new answer
# (the harness's own round trip adds the browser protocol's messages to both ends)
WATCH = """before => { window.__answered = null;
  const stamp = """ + STAMP + """; let down = null;
  document.addEventListener('keydown', e => { if (e.key === 'Enter') down = performance.now(); },
                            {capture: true, once: true});
  const seen = new MutationObserver(() => { if (stamp() === before || down === null) return; seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__answered = performance.now() - down; }, 0)); });
  seen.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}); }"""


def cli(workspace: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "core", *args, "--workspace", str(workspace), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workspace: Path, via_rerun: bool = False) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "STUDIO_WORKSPACE": str(workspace)}
    if via_rerun:  # the stage sends every sentence through a page rerun, as it did before the answer route
        env["STUDIO_STAGE_VIA_RERUN"] = "1"
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.headless", "true", "--browser.gatherUsageStats", "false"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the app did not start within 2 minutes")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def open_present(page, url: str, from_the_menu: bool = False) -> float:
    """Seconds from asking for the Present page (its address typed, or its link in the menu clicked) to its stage
    showing the model's name."""
    opened = time.perf_counter()
    if from_the_menu:
        page.locator("[data-testid='stSidebarNav'] a[href$='/present']").first.click()
    else:
        page.goto(f"{url}/present")
    page.locator(".stage-title").first.wait_for(timeout=180_000)
    return time.perf_counter() - opened


def answer(page, sentence: str) -> tuple[float, float, float]:
    """One sentence typed and Enter pressed: the harness's round trip and the page's Enter-to-paint (both seconds),
    and the model's own milliseconds as the stage shows them."""
    box = page.locator(".stage-input").first
    before = page.evaluate(STAMP)
    box.fill(sentence)
    page.evaluate(WATCH, before)
    sent = time.perf_counter()
    box.press("Enter")
    # the answer is on the stage when its bars have a new animation: watched in the page, not polled from here
    page.wait_for_function("() => window.__answered !== null", timeout=60_000)
    round_trip = time.perf_counter() - sent
    seen = page.evaluate("window.__answered") / 1000
    model_ms = float("".join(c for c in page.locator(".stage-time").first.inner_text()
                             if c.isdigit() or c == ".") or 0)
    return round_trip, seen, model_ms


def time_page(url: str, sentences: int) -> dict:
    """Present on a fresh server: opened straight away (cold), then its first sentence and further ones; then a
    second fresh tab that opens Home first and Present from its menu, as a presenter arriving at the studio would."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        ready = open_present(page, url)
        answers = [answer(page, sentence) for sentence in SENTENCES[:sentences]]
        page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_present_last.png"))
        page.close()
        later_tab = browser.new_page(viewport={"width": 1280, "height": 720})
        later_tab.goto(url)
        later_tab.locator("[data-testid='stSidebarNav']").first.wait_for(timeout=180_000)
        running_ready = open_present(later_tab, url, from_the_menu=True)
        running_first = answer(later_tab, SENTENCES[-1])
        browser.close()
    later = answers[1:]
    return {"page_ready_s": round(ready, 3), "first_answer_s": round(answers[0][0], 3),
            "first_answer_seen_s": round(answers[0][1], 3),
            "open_to_first_answer_s": round(ready + answers[0][0], 3),
            "further_answer_median_ms": round(1000 * statistics.median(a[0] for a in later), 1) if later else None,
            "further_seen_median_ms": round(1000 * statistics.median(a[1] for a in later), 1) if later else None,
            "model_ms_median": round(statistics.median(a[2] for a in (later or answers)), 2),
            "running_server_page_ready_s": round(running_ready, 3),
            "running_server_first_answer_s": round(running_first[0], 3)}


def measure(workspace: Path, sentences: int, via_rerun: bool = False) -> dict:
    server, url = start_server(workspace, via_rerun)
    try:
        return time_page(url, sentences)
    finally:
        stop_server(server)


def machine() -> str:
    from core.device import training_device

    device = training_device()
    return f"{device.label} (bf16 {'on' if device.bf16 else 'off'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        run_id = quick_run(workspace, 2000)
        cli(workspace, "export", "--run", run_id, "--format", "onnx", "--quantize", "int8")
        sides = {"ONNX int8 (the page's choice)": measure(workspace, args.sentences),
                 "ONNX int8, via page reruns": measure(workspace, args.sentences, via_rerun=True)}
        export = workspace / "runs" / run_id / "export"
        shutil.rmtree(export)
        sides["PyTorch fp32 (no export)"] = measure(workspace, args.sentences)
    report = {"machine": machine(), "load_average": round(os.getloadavg()[0], 2), "sentences": args.sentences,
              "sides": sides}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "present.json").write_text(json.dumps(report, indent=2))
    print(f"{report['machine']}, load {report['load_average']}; a fresh server each side, Present opened cold "
          "at 1280x720")
    print(f"{'':<32}{'page ready':>11}{'1st answer':>11}{'open->1st':>10}{'next (p50)':>11}{'seen':>8}"
          f"{'model':>9}{'running: ready':>16}{'1st':>7}")
    for name, r in sides.items():
        print(f"{name:<32}{r['page_ready_s']:>10.2f}s{r['first_answer_s']:>10.2f}s{r['open_to_first_answer_s']:>9.2f}s"
              f"{r['further_answer_median_ms']:>9.0f}ms{r['further_seen_median_ms']:>6.0f}ms"
              f"{r['model_ms_median']:>7.1f}ms{r['running_server_page_ready_s']:>15.2f}s"
              f"{r['running_server_first_answer_s']:>6.2f}s")
    print("next: the harness's round trip; seen: Enter going down to the answer painted, timed inside the page; "
          "running: Present opened from Home's menu on a server already up")


if __name__ == "__main__":
    main()
