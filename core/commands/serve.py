"""`python -m core serve --run ID`: the run's model over HTTP (FastAPI + uvicorn), 127.0.0.1 unless told."""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def register(command) -> None:
    p = command("serve", cmd_serve, "Serve a finished run over HTTP: POST /predict, GET /health, /info, /docs.")
    p.add_argument("--run", required=True, help="The run whose model answers.")
    p.add_argument("--host", default="127.0.0.1",
                   help="Address to listen on (default 127.0.0.1: this computer only; there is no login).")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--engine", choices=("pytorch", "onnx", "onnx-int8"), default="pytorch",
                   help="Answer with PyTorch, or with the run's ONNX export (python -m core export first).")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from core.serve.service import create_app
    from core.serve.service_run import load_for_run
    from core.store.runs import RunStore
    from core.store.workspace import workspace_path

    predictor, info = load_for_run(RunStore(workspace_path(args.workspace)), args.run, args.engine)
    log.info("Serving run %s on http://%s:%d (docs at /docs)", args.run, args.host, args.port)
    uvicorn.run(create_app(predictor, info), host=args.host, port=args.port, log_level="warning")
    return 0
