"""A finished run over HTTP (FastAPI): POST /predict, GET /health, GET /info, OpenAPI docs at /docs.

Requests arriving together are answered in one batch; bodies over a size and batches over a length get a
plain 4xx sentence, never a traceback. Binds to 127.0.0.1 unless told otherwise (there is no login).
"""

# no `from __future__ import annotations`: FastAPI reads the endpoints' annotations (Request) at run time
import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from core.train.task_answers import task_fields

log = logging.getLogger(__name__)
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
MAX_BODY_BYTES = 1_000_000   # a request body larger than this is refused before it is read whole
MAX_TEXTS = 256              # texts in one request, at most
MAX_TEXT_CHARS = 20_000      # one text, at most: longer ones are cut at the model's max length anyway
BATCH_WAIT_S = 0.002         # how long the batcher waits for other requests to join a batch
BATCH_TEXTS = 64             # texts the model answers in one pass


@dataclass
class Limits:
    max_body_bytes: int = MAX_BODY_BYTES
    max_texts: int = MAX_TEXTS
    max_text_chars: int = MAX_TEXT_CHARS


class Refused(Exception):
    """A request the service will not answer: a status code and one plain sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def create_app(predictor: Any, info: dict[str, Any], limits: Limits | None = None):
    """The FastAPI app around a loaded predictor (Predictor or OnnxPredictor: labels + probabilities)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    limits = limits or Limits()
    batcher = Batcher(predictor)
    app = FastAPI(title=f"Fine-Tune Studio: {info.get('name') or info.get('run_id') or 'classifier'}",
                  description="Labels and probabilities from a model trained in Fine-Tune Studio.")
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)

    @app.exception_handler(Refused)
    async def refused(_request, error: Refused):
        return JSONResponse({"detail": error.message}, status_code=error.status)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/info")
    async def about() -> dict:
        return info

    @app.post("/predict", openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "required": ["texts"],
                   "properties": {"texts": {"type": "array", "items": {"type": "string"}},
                                  "text_pairs": {"type": "array", "items": {"type": "string"}}}},
        "example": {"texts": ["What a wonderful film"]}}}}})
    async def predict(request: Request) -> dict:
        texts, pairs = read_texts(await request.body(), limits, supports_pairs(predictor))
        started = time.perf_counter()
        probs = await batcher.answer(texts, pairs)
        return {"model": info.get("run_id"), "labels": list(predictor.labels),
                # several labels: also "labels" over their thresholds; a score: also "value"
                "predictions": [{**answer(predictor.labels, p), **task_fields(predictor, p)} for p in probs],
                "milliseconds": round((time.perf_counter() - started) * 1000, 2)}

    return app


def supports_pairs(predictor: Any) -> bool:
    """Whether the model was trained on pairs of texts (then every text needs its pair)."""
    return bool(getattr(predictor, "pairs", False))


def read_texts(body: bytes, limits: Limits, pairs_ok: bool = False) -> tuple[list[str], list[str] | None]:
    """The request's texts (and their pairs), or Refused with the sentence a caller needs to fix it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, f"The body is not valid JSON ({exc}). Send {{\"texts\": [\"a sentence\"]}}.") from None
    if not isinstance(payload, dict) or "texts" not in payload:
        raise Refused(422, "Send a JSON object with a 'texts' list, like {\"texts\": [\"a sentence\"]}.")
    if "text_pairs" in payload and not pairs_ok:
        raise Refused(422, "This model classifies single texts; 'text_pairs' are not supported by it.")
    texts, pairs = payload["texts"], payload.get("text_pairs")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise Refused(422, "'texts' must be a list of strings.")
    if pairs_ok and (not isinstance(pairs, list) or len(pairs) != len(texts)
                     or not all(isinstance(t, str) for t in pairs)):
        raise Refused(422, "This model reads pairs of texts: send 'text_pairs', a list of strings as long as 'texts'.")
    if not texts:
        raise Refused(422, "'texts' is empty: send at least one text.")
    if len(texts) > limits.max_texts:
        raise Refused(413, f"{len(texts)} texts in one request is more than {limits.max_texts}: "
                           "split them into smaller requests.")
    if any(len(t) > limits.max_text_chars for t in texts):
        raise Refused(413, f"A text is longer than {limits.max_text_chars} characters: shorten it.")
    return texts, pairs if pairs_ok else None


def answer(labels: list[str], probs: list[float]) -> dict[str, Any]:
    best = max(range(len(probs)), key=probs.__getitem__)
    return {"label": labels[best], "confidence": round(probs[best], 4),
            "probabilities": {name: round(p, 4) for name, p in zip(labels, probs, strict=True)}}


class Batcher:
    """Requests that arrive within a few milliseconds of each other share one pass of the model."""

    def __init__(self, predictor: Any) -> None:
        self.predictor = predictor
        self.queue: asyncio.Queue | None = None
        self.lock = asyncio.Lock()

    async def answer(self, texts: list[str], pairs: list[str] | None = None) -> list[list[float]]:
        if self.queue is None:
            self.queue = asyncio.Queue()
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, pairs, future))
        async with self.lock:  # whoever holds the lock answers everything queued so far
            if not future.done():
                await asyncio.sleep(BATCH_WAIT_S)
                await self._drain()
        return await future

    async def _drain(self) -> None:
        waiting = []
        while not self.queue.empty():
            waiting.append(self.queue.get_nowait())
        texts = [t for batch, _, _ in waiting for t in batch]
        pairs = [p for _, batch, _ in waiting for p in batch or []] if waiting[0][1] is not None else None
        try:
            probs = await asyncio.to_thread(self._probabilities, texts, pairs)
        except Exception as exc:  # every waiting request hears of it, not only the first
            for _, _, future in waiting:
                future.set_exception(exc)
            return
        start = 0
        for batch, _, future in waiting:
            future.set_result(probs[start:start + len(batch)])
            start += len(batch)


    def _probabilities(self, texts: list[str], pairs: list[str] | None) -> list[list[float]]:
        if pairs is None:
            return self.predictor.probabilities(texts, BATCH_TEXTS)
        return self.predictor.probabilities(texts, BATCH_TEXTS, pairs=pairs)


class BodyLimit:
    """Pure ASGI middleware: refuse a body over max_bytes with 413, by its Content-Length or as it streams in."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise Refused(413, self._sentence())
            return message

        try:
            await self.app(scope, counted, send)
        except Refused:
            await self._refuse(send)

    def _sentence(self) -> str:
        return f"The request body is larger than {self.max_bytes:,} bytes: send fewer or shorter texts."

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": self._sentence()}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
