"""Answers for the page's own script, over one small HTTP request instead of a whole Streamlit rerun.

A page that has loaded a model offers it here and hands the browser the token it gets back; the stage's script
then posts each sentence to `POST /api/stage/answer` on the app's own server (same origin, so nothing else to open
or allow). A rerun of a Streamlit page costs tens of milliseconds of its own on top of the model's few; this route
costs about one. The token is the capability: the route answers only for models a page has offered in this
process, and forgets them when the page's cache lets them go.
"""

from __future__ import annotations

import logging
import secrets
import threading
import weakref
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

PATH = "/api/stage/answer"
MAX_CHARS = 20_000  # a sentence for a room, not a book: longer bodies get a plain 413
_lock = threading.Lock()
_models: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
_tokens: dict[int, str] = {}  # id(model) -> its token, so every rerun of a page hands out the same one


def offer(model: Any) -> str:
    """The token under which the route answers with this model (the same token for the same loaded model)."""
    with _lock:
        token = _tokens.get(id(model))
        if token is not None and _models.get(token) is model:
            return token
        token = secrets.token_urlsafe(16)
        _models[token] = model
        _tokens[id(model)] = token
        return token


def answer(token: str, text: str) -> dict[str, Any] | None:
    """The offered model's answer to one text, in Prediction.to_dict()'s shape; None when the token is unknown."""
    model = _models.get(token)
    if model is None:
        return None
    return model.predict(text).to_dict()


def _problem(status: int, sentence: str) -> JSONResponse:
    return JSONResponse({"error": sentence}, status_code=status)


async def _answer_endpoint(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > 4 * MAX_CHARS + 1024:
        return _problem(413, f"The text is too long for the stage: keep it under {MAX_CHARS:,} characters.")
    try:
        asked = await request.json()
    except ValueError:
        return _problem(400, 'Send JSON like {"token": "...", "text": "a sentence"}.')
    token, text = (asked.get("token"), asked.get("text")) if isinstance(asked, dict) else (None, None)
    if not isinstance(token, str) or not isinstance(text, str):
        return _problem(400, 'Send JSON like {"token": "...", "text": "a sentence"}: both are strings.')
    if len(text) > MAX_CHARS:
        return _problem(413, f"The text is too long for the stage: keep it under {MAX_CHARS:,} characters.")
    try:  # off the server's event loop: the model takes milliseconds, and the page's other messages go on
        result = await run_in_threadpool(answer, token, text)
    except Exception as error:  # the model's own failure: said in the page, never a traceback
        log.exception("the stage's answer failed")
        return _problem(500, f"The model could not answer this text ({type(error).__name__}).")
    if result is None:
        return _problem(404, "This model is no longer loaded here: the page loads it again.")
    return JSONResponse(result)


ROUTES = [Route(PATH, _answer_endpoint, methods=["POST"])]
