"""The Present page's answer route, spoken to over HTTP as the stage's script speaks to it: a model the page
offered answers exactly as the Predictor does; anything else gets a plain sentence and a 4xx, never a traceback."""

from __future__ import annotations

import gc
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from starlette.applications import Starlette

from core.serve import live_answers
from tests.test_service import free_port


class Client:
    """Plain HTTP to a server on this computer, as the browser's fetch sends it."""

    def __init__(self, url: str):
        self.url = url

    def post(self, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + live_answers.PATH, data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def offered(finished_run_workspace):
    from core.serve.service_run import load_for_run
    from core.store.runs import RunStore

    store = RunStore(finished_run_workspace)
    predictor, _ = load_for_run(store, store.list_runs()[0].id)
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=live_answers.ROUTES), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield Client(f"http://127.0.0.1:{port}"), predictor, live_answers.offer(predictor)
    server.should_exit = True
    thread.join(10)


def ask(client: Client, payload) -> tuple[int, dict]:
    return client.post(json.dumps(payload).encode())


def test_an_offered_model_answers_as_the_predictor_does(offered):
    client, predictor, token = offered
    for text in ["the movie was really good and lovely", "awful boring plot", "很好", ""]:
        status, body = ask(client, {"token": token, "text": text})
        expected = predictor.predict(text)
        assert status == 200 and body["label"] == expected.label
        assert body["probabilities"] == pytest.approx(expected.probabilities, abs=1e-6)
        assert body["milliseconds"] >= 0


def test_the_same_model_keeps_its_token_across_reruns(offered):
    _, predictor, token = offered
    assert live_answers.offer(predictor) == token


@pytest.mark.parametrize("payload, words", [
    ({"text": "no token"}, "both are strings"),
    ({"token": 5, "text": "a number for a token"}, "both are strings"),
    ({"token": "x", "text": ["a", "list"]}, "both are strings"),
    (["not", "an", "object"], "both are strings"),
])
def test_wrong_fields_get_a_plain_400(offered, payload, words):
    status, body = ask(offered[0], payload)
    assert status == 400 and words in body["error"]


def test_malformed_json_gets_a_plain_400(offered):
    status, body = offered[0].post(b"{not json")
    assert status == 400 and "Send JSON" in body["error"]


def test_a_text_too_long_gets_a_plain_413(offered):
    client, _, token = offered
    status, body = ask(client, {"token": token, "text": "word " * live_answers.MAX_CHARS})
    assert status == 413 and f"{live_answers.MAX_CHARS:,} characters" in body["error"]


def test_an_unknown_or_forgotten_model_gets_404_so_the_page_answers_instead(offered):
    client = offered[0]
    status, body = ask(client, {"token": "never-offered", "text": "hello"})
    assert status == 404 and "no longer loaded" in body["error"]

    class Passing:  # a model the page's cache has let go of is forgotten here too: nothing keeps it alive
        labels = ["a"]

    token = live_answers.offer(Passing())
    gc.collect()
    assert ask(client, {"token": token, "text": "hello"})[0] == 404


def test_a_model_that_fails_is_said_in_a_sentence(offered):
    class Broken:
        def predict(self, text):
            raise RuntimeError("boom")

    broken = Broken()
    status, body = ask(offered[0], {"token": live_answers.offer(broken), "text": "hello"})
    assert status == 500 and body["error"] == "The model could not answer this text (RuntimeError)."
