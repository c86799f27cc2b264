"""The lab's web server: the standard library's ThreadingHTTPServer, the page's files, a JSON API.

    GET  /                      the page (static/index.html); GET /static/NAME its scripts and style
    POST /api/new               a model of the page's own: {"lab": NAME}; the requests below take
                                ?lab=NAME (without it, they drive model "0", made at start)
    GET  /api/state             settings, choices, layers, where training stands
    GET  /api/frame             the compact frame the page draws (polled several times a second)
    GET  /api/history           the curves: losses, D's outputs, mode metrics (polled less often)
    GET  /api/layer?name=D/0    histograms of one layer's weights and gradients
    POST /api/play  {"playing": true|false}
    POST /api/step              one whole step        POST /api/stage   the next stage of a step
    POST /api/settings {...}    change settings (live, or a restart that says so)
    POST /api/reset             a new model, same settings
    POST /api/export            save a checkpoint; answers with its path

A refused request answers 400 with {"error": "..."} (404 for an unknown model); the model and its
state are kept.
"""
import json
import mimetypes
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlparse

from .config import MAX_BODY, BadRequest, check_settings, options, parse_body
from .engine import SERVING
from .pool import Labs, NoSuchModel

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def static_files():
    """The page's files shipped in the package: name -> bytes (read once, served from memory)."""
    folder = resources.files(__package__) / "static"
    return {entry.name: entry.read_bytes() for entry in folder.iterdir() if entry.is_file()}


class Handler(BaseHTTPRequestHandler):
    server_version = "minigan-lab"
    protocol_version = "HTTP/1.1"       # keep-alive: the page's frames reuse one connection
    labs = None         # set by make_server
    files = {}

    def log_message(self, fmt, *args):   # a request per frame would flood the terminal
        pass

    # -- routing -----------------------------------------------------------------------------
    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        lab = self._model(query)
        routes = {"/api/state": lambda: {**lab().state(), "options": options()},
                  "/api/frame": lambda: lab().frame(),
                  "/api/history": lambda: lab().history(),
                  "/api/layer": lambda: lab().layer(_one(query, "name"))}
        if url.path in routes:
            return self._answer(routes[url.path])
        name = "index.html" if url.path in ("/", "/index.html") else url.path.removeprefix("/static/")
        if url.path.startswith("/static/") or name == "index.html":
            return self._file(name)
        self._json(404, {"error": f"no such page: {url.path}"})

    def do_POST(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        lab = self._model(query)
        routes = {"/api/new": lambda body: {"lab": self.labs.new()},
                  "/api/play": lambda body: lab().play(_playing(body)),
                  "/api/step": lambda body: lab().step(),
                  "/api/stage": lambda body: lab().stage(),
                  "/api/settings": lambda body: lab().change(check_settings(body)),
                  "/api/reset": lambda body: lab().reset(),
                  "/api/export": lambda body: lab().export()}
        if url.path not in routes:
            return self._json(404, {"error": f"no such request: POST {url.path}"})
        # Only JSON bodies: a browser sends those cross-origin only after asking (CORS), which this
        # server never grants, so another web site cannot drive the lab through the user's browser.
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.close_connection = True        # its body is left unread
            return self._json(415, {"error": "POST bodies must be JSON (Content-Type: application/json)"})
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            if length.isdigit() and int(length) <= 8 * MAX_BODY:
                self.rfile.read(int(length))    # read it anyway, so the client hears why
            return self._json(413 if length.isdigit() else 400,
                              {"error": f"request body too large or of unknown length ({length})"})
        raw = self.rfile.read(int(length))
        self._answer(lambda: routes[url.path](parse_body(raw)))

    def _model(self, query):
        """A function returning the model the request names (looked up when the route runs, so
        that an unknown name becomes a 404 answer)."""
        return lambda: self.labs.get(query.get("lab", [None])[0])

    # -- answers -----------------------------------------------------------------------------
    def _answer(self, make):
        SERVING.append(1)               # the training threads step aside until this is answered
        try:
            self._json(200, make())
        except NoSuchModel as err:
            self._json(404, {"error": str(err)})
        except BadRequest as err:
            self._json(400, {"error": str(err)})
        except OSError as err:          # e.g. the export folder cannot be written
            self._json(500, {"error": f"{type(err).__name__}: {err}"})
        finally:
            SERVING.pop()

    def _json(self, status, payload):
        body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        self._send(status, "application/json", body)

    def _file(self, name):
        if name not in self.files:      # only the shipped files, by exact name: no paths
            return self._json(404, {"error": f"no such file: {name}"})
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(200, kind + ("; charset=utf-8" if kind.startswith("text/") else ""), self.files[name])

    def _send(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def _one(query, name):
    values = query.get(name)
    if not values:
        raise BadRequest(f"missing query parameter {name!r}")
    return values[0]


def _playing(body):
    playing = body.get("playing", True)
    if not isinstance(playing, bool):
        raise BadRequest(f"playing must be true or false, got {json.dumps(playing)}")
    return playing


def make_server(labs, host="127.0.0.1", port=8765):
    """A server for ``labs`` (a Labs, or one Lab as its model "0"), not yet serving; port 0 picks a
    free port (server.server_port)."""
    if not isinstance(labs, Labs):
        labs = Labs(labs.preset_name, labs.seed, labs.out, first=labs)
    handler = type("LabHandler", (Handler,), {"labs": labs, "files": static_files()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(lab, host="127.0.0.1", port=0):
    """Start serving in a background thread (tests, benchmarks); returns (server, url)."""
    server = make_server(lab, host, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}/"


def host_warning(host):
    """A warning for a host other than the loopback address, or None."""
    if host in LOOPBACK:
        return None
    return (f"warning: serving on {host}: anyone who can reach this machine can drive the lab and "
            "write checkpoints to its export folder")


def main_loop(server, log=lambda m: print(m, file=sys.stderr)):
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.server_close()
        server.RequestHandlerClass.labs.close()
