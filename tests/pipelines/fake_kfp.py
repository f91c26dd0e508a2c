"""A minimal stand-in for the Kubeflow Pipelines API server, listening on 127.0.0.1.

It responds to the REST calls that `kfp.Client` makes to start a run or a
recurring run (healthz, list and create experiments, create runs and
recurring runs) with the smallest JSON bodies the client accepts. It
records every request so that tests can check what was sent.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API = "/apis/v2beta1"


@dataclass
class RecordedRequest:
    """One request the fake server received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeKfpState:
    """The fake server's stored requests and experiments, and its response settings."""

    requests: list[RecordedRequest] = field(default_factory=list)
    # Experiment display name -> experiment id.
    experiments: dict[str, str] = field(default_factory=dict)
    # When set, POST /runs and /recurringruns fail with this HTTP status.
    reject_status: int | None = None


def _filter_name(query: dict[str, str]) -> str | None:
    """Return the display_name an experiment list request filters on, if any."""
    text = query.get("filter")
    if not text:
        return None
    for predicate in json.loads(text).get("predicates", []):
        if predicate.get("key") == "display_name":
            return predicate.get("stringValue") or predicate.get("string_value")
    return None


def _make_handler(state: FakeKfpState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - name fixed by the base class
            """Keep the test output quiet."""

        def _record(self) -> RecordedRequest:
            parsed = urllib.parse.urlparse(self.path)
            query = {key: values[0] for key, values in urllib.parse.parse_qs(parsed.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            request = RecordedRequest(self.command, parsed.path, query, body)
            state.requests.append(request)
            return request

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - name fixed by the base class
            request = self._record()
            if request.path == f"{API}/healthz":
                self._answer(200, {"multi_user": False})
            elif request.path == f"{API}/experiments":
                name = _filter_name(request.query)
                found = [
                    {"experiment_id": experiment_id, "display_name": display_name}
                    for display_name, experiment_id in state.experiments.items()
                    if name is None or display_name == name
                ]
                self._answer(200, {"experiments": found, "total_size": len(found)} if found else {})
            else:
                self._answer(404, {"error": f"no route for GET {request.path}", "code": 5})

        def do_POST(self) -> None:  # noqa: N802 - name fixed by the base class
            request = self._record()
            body = request.body or {}
            if request.path == f"{API}/experiments":
                experiment_id = f"exp-{len(state.experiments) + 1}"
                state.experiments[body["display_name"]] = experiment_id
                self._answer(200, {"experiment_id": experiment_id, "display_name": body["display_name"]})
            elif request.path in (f"{API}/runs", f"{API}/recurringruns") and state.reject_status:
                self._answer(state.reject_status, {"error": "pipeline spec is invalid", "code": 3})
            elif request.path == f"{API}/runs":
                self._answer(
                    200,
                    {
                        "run_id": "run-1",
                        "experiment_id": body.get("experiment_id"),
                        "display_name": body.get("display_name"),
                        "state": "PENDING",
                    },
                )
            elif request.path == f"{API}/recurringruns":
                self._answer(
                    200,
                    {
                        "recurring_run_id": "recurring-1",
                        "experiment_id": body.get("experiment_id"),
                        "display_name": body.get("display_name"),
                        "mode": body.get("mode"),
                        "status": "ENABLED",
                    },
                )
            else:
                self._answer(404, {"error": f"no route for POST {request.path}", "code": 5})

    return Handler


class FakeKfpServer:
    """The fake API server on an ephemeral port of 127.0.0.1, run in a background thread."""

    def __init__(self) -> None:
        self.state = FakeKfpState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self.state))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL to pass as the KFP host."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeKfpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def posts(self, path: str) -> list[RecordedRequest]:
        """Return the POST requests to one API path, such as '/runs'."""
        return [request for request in self.state.requests if request.method == "POST" and request.path == API + path]
