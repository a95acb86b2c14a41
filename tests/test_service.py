"""The prediction service on a free port, spoken to over real HTTP: answers equal the Predictor's; bad requests
get a plain 4xx sentence."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service(finished_run_workspace):
    import uvicorn

    from core.serve.service import Limits, create_app
    from core.serve.service_run import load_for_run
    from core.store.runs import RunStore

    store = RunStore(finished_run_workspace)
    run = store.list_runs()[0]
    predictor, info = load_for_run(store, run.id)
    port = free_port()
    app = create_app(predictor, info, Limits(max_body_bytes=20_000, max_texts=8))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", predictor, run
    server.should_exit = True
    thread.join(10)


def call(url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def post(url: str, payload) -> tuple[int, dict]:
    return call(url + "/predict", json.dumps(payload).encode())


def test_answers_equal_the_predictors(service):
    url, predictor, _ = service
    texts = ["the movie was really good and lovely", "awful boring plot", "a story", "great"]
    status, body = post(url, {"texts": texts})
    assert status == 200
    assert [p["label"] for p in body["predictions"]] == [predictor.predict(t).label for t in texts]
    for text, got in zip(texts, body["predictions"], strict=True):
        assert got["probabilities"] == pytest.approx(predictor.predict(text).probabilities, abs=1e-4)


def test_requests_arriving_together_get_their_own_answers(service):
    url, predictor, _ = service
    texts = [f"the film was {w} {w}" for w in ("good", "bad", "lovely", "awful", "nice", "ugly")] * 3
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda t: post(url, {"texts": [t]}), texts))
    assert all(status == 200 for status, _ in answers)
    assert [b["predictions"][0]["label"] for _, b in answers] == [predictor.predict(t).label for t in texts]


def test_health_info_and_docs(service):
    url, predictor, run = service
    assert call(url + "/health") == (200, {"status": "ok"})
    status, info = call(url + "/info")
    assert status == 200 and info["run_id"] == run.id and info["labels"] == predictor.labels
    assert "accuracy" in info["metrics"] and info["task"]
    status, page = call(url + "/docs")
    assert status == 200 and "swagger" in page.lower()
    status, schema = call(url + "/openapi.json")
    assert "texts" in json.dumps(schema["paths"]["/predict"])


@pytest.mark.parametrize(("payload", "status", "words"), [
    ({"texts": []}, 422, "empty"),
    ({"texts": ["good"] * 9}, 413, "more than 8"),
    ({"texts": "good"}, 422, "list of strings"),
    ({"texts": ["good", 3]}, 422, "list of strings"),
    ({"text": ["good"]}, 422, "'texts' list"),
    (["good"], 422, "'texts' list"),
    ({"texts": ["good"], "text_pairs": ["bad"]}, 422, "not supported"),
])
def test_bad_requests_get_a_plain_sentence(service, payload, status, words):
    url, _, _ = service
    got, body = post(url, payload)
    assert got == status and words in body["detail"]


def test_malformed_json_and_oversized_bodies(service):
    url, _, _ = service
    status, body = call(url + "/predict", b'{"texts": ["good"')
    assert status == 400 and "not valid JSON" in body["detail"]
    status, body = call(url + "/predict", json.dumps({"texts": ["good " * 5000]}).encode())
    assert status == 413 and "larger than 20,000 bytes" in body["detail"]
    status, body = post(url, {"texts": ["still answers"]})
    assert status == 200


def test_serve_command_binds_this_computer_only_by_default():
    from core.cli import build_parser

    args = build_parser().parse_args(["serve", "--run", "x"])
    assert (args.host, args.port, args.engine) == ("127.0.0.1", 8000, "pytorch")
