"""The Present page in a real browser, cold: how long from opening the page to the model being ready and the
first answer on the stage, and how long each further sentence takes to come back.

Trains a small model on the packaged MiniLM (sample data, the quick preset), exports it to ONNX with int8,
starts a fresh Streamlit server (nothing loaded yet), opens Present in headless Chromium and types sentences.
Both sides are timed in one run: the int8 export the page prefers and the PyTorch model (export removed).

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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
SENTENCES = ["The film was a delight from start to finish.", "A dull, lifeless script and wooden acting.",
             "I would happily watch it again tomorrow.", "Two hours of my life I will never get back.",
             "The music alone is worth the ticket.", "It drags badly in the middle.",
             "A warm, funny and clever story.", "The plot makes no sense at all.",
             "Beautifully shot and well acted.", "Boring, predictable and far too long.",
             "An instant favourite.", "I walked out after half an hour."]
# what changes on the stage with every answer, even one with the same words and timing: each answer's bars get a
# new animation name
STAMP = "() => { const b = document.querySelector('.stage-bar-fill'); return b ? b.style.animationName : ''; }"


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


def start_server(workspace: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "STUDIO_WORKSPACE": str(workspace)}
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


def time_page(url: str, sentences: int) -> dict:
    """Opening Present cold, the first sentence, then further ones: seconds from the browser's side."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        opened = time.perf_counter()
        page.goto(f"{url}/present")
        page.locator(".stage-title").first.wait_for(timeout=180_000)
        ready = time.perf_counter() - opened
        box = page.locator(".stTextInput input").first
        times, page_ms = [], []
        for i, sentence in enumerate(SENTENCES[:sentences]):
            before = page.evaluate(STAMP)
            box.fill(sentence)
            sent = time.perf_counter()
            box.press("Enter")
            # the answer is on the stage when its timing line has changed: watched in the page, not polled from here
            page.wait_for_function(f"before => ({STAMP})() !== before", arg=before, timeout=60_000)
            times.append(time.perf_counter() - sent)
            page_ms.append(float("".join(c for c in page.locator(".stage-time").first.inner_text()
                                         if c.isdigit() or c == ".") or 0))
            if i == 0:
                page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_present_first.png"))
        browser.close()
    later = times[1:]
    return {"page_ready_s": round(ready, 3), "first_answer_s": round(times[0], 3),
            "open_to_first_answer_s": round(ready + times[0], 3),
            "further_answer_median_ms": round(1000 * statistics.median(later), 1) if later else None,
            "model_ms_median": round(statistics.median(page_ms[1:] or page_ms), 2)}


def measure(workspace: Path, sentences: int) -> dict:
    server, url = start_server(workspace)
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
        run = cli(workspace, "train", "--data", str(ROOT / "sample_data" / "movie_reviews_en.csv"), "--preset",
                  "quick")
        cli(workspace, "export", "--run", run["run_id"], "--format", "onnx", "--quantize", "int8")
        sides = {"ONNX int8 (the page's choice)": measure(workspace, args.sentences)}
        export = workspace / "runs" / run["run_id"] / "export"
        shutil.rmtree(export)
        sides["PyTorch fp32 (no export)"] = measure(workspace, args.sentences)
    report = {"machine": machine(), "load_average": round(os.getloadavg()[0], 2), "sentences": args.sentences,
              "sides": sides}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "present.json").write_text(json.dumps(report, indent=2))
    print(f"{report['machine']}, load {report['load_average']}; a fresh server each side, Present opened cold "
          "at 1280x720")
    print(f"{'':<32}{'page ready':>11}{'1st answer':>11}{'open->1st':>10}{'next (p50)':>11}{'model':>9}")
    for name, r in sides.items():
        print(f"{name:<32}{r['page_ready_s']:>10.2f}s{r['first_answer_s']:>10.2f}s{r['open_to_first_answer_s']:>9.2f}s"
              f"{r['further_answer_median_ms']:>9.0f}ms{r['model_ms_median']:>7.1f}ms")


if __name__ == "__main__":
    main()
