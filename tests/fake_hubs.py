"""Local HTTP servers that play the Hugging Face Hub (or a mirror of it) and ModelScope for models saved by a test:
downloads are tested offline, over real HTTP, and each server records the paths it was asked for."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHA = "0123456789abcdef0123456789abcdef01234567"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, dict[str, bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files, self.asked = files, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        self.server.asked.append(self.path)
        found = self._hub(self.path) or self._modelscope(self.path)
        if found is None:
            self.send_response(404 if self.path != "/" else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, headers = found
        self.send_response(200)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _hub(self, path: str):
        parts = urllib.parse.urlparse(path).path.strip("/").split("/")
        if len(parts) >= 4 and parts[0] == "api" and parts[1] == "models":  # /api/models/OWNER/NAME/revision/main
            repo = "/".join(parts[2:4])
            if repo in self.server.files and parts[4:5] == ["tree"]:  # the file list of a revision
                tree = [{"type": "file", "path": n, "size": len(b), "oid": hashlib.sha1(b).hexdigest()}
                        for n, b in self.server.files[repo].items()]
                return json.dumps(tree).encode(), {"Content-Type": "application/json"}
            if repo in self.server.files:
                siblings = [{"rfilename": name} for name in self.server.files[repo]]
                body = json.dumps({"id": repo, "sha": SHA, "siblings": siblings}).encode()
                return body, {"Content-Type": "application/json"}
        if len(parts) >= 5 and parts[2] == "resolve":  # /OWNER/NAME/resolve/REVISION/FILE
            repo, name = "/".join(parts[:2]), "/".join(parts[4:])
            body = self.server.files.get(repo, {}).get(name)
            if body is not None:
                etag = hashlib.sha256(body).hexdigest()
                return body, {"X-Repo-Commit": SHA, "ETag": f'"{etag}"'}
        return None

    def _modelscope(self, path: str):
        url = urllib.parse.urlparse(path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if parts[:3] != ["api", "v1", "models"] or len(parts) < 6:
            return None
        repo = "/".join(parts[3:5])
        files = self.server.files.get(repo)
        if files is None:
            return None
        if parts[5:] == ["repo", "files"]:
            listing = [{"Path": n, "Type": "blob", "Size": len(b)} for n, b in files.items()]
            return json.dumps({"Code": 200, "Data": {"Files": listing}}).encode(), {}
        if parts[5:] == ["repo"] and query.get("FilePath", [""])[0] in files:
            return files[query["FilePath"][0]], {}
        return None


def serve_models(models: dict[str, Path]) -> _Server:
    """A server holding each model folder's files under its repo id; use as a context manager."""
    return _Server({repo: {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
                    for repo, folder in models.items()})
