"""The lab server's JSON API over real HTTP: every request, every bad request, and the command."""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from minigan.cli import main
from minigan.lab import Lab
from minigan.lab.pool import Labs, NoSuchModel
from minigan.lab.server import host_warning, serve_in_thread


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    lab = Lab("ring8", out=str(tmp_path_factory.mktemp("exports")))
    server, url = serve_in_thread(lab)
    yield url, lab
    server.shutdown()
    server.server_close()
    lab.close()


def call(url, path, body=None, raw=None, method=None, kind="application/json"):
    """(status, parsed JSON or bytes) of one request."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url + path.lstrip("/"), data=data, method=method or ("GET" if data is None else "POST"),
                                     headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, payload, kind = answer.status, answer.read(), answer.headers["Content-Type"]
    except urllib.error.HTTPError as err:
        status, payload, kind = err.code, err.read(), err.headers["Content-Type"]
    return status, json.loads(payload) if kind.startswith("application/json") else payload


def test_page_and_its_files_are_served(api):
    url, _ = api
    status, page = call(url, "/")
    assert status == 200 and b"lab.js" in page and b"http" not in page.replace(b"http-equiv", b"")
    for name in ("lab.js", "lab.css"):
        status, body = call(url, f"/static/{name}")
        assert status == 200 and len(body) > 100


@pytest.mark.parametrize("path", ["/static/nothing.js", "/static/../engine.py", "/static/%2e%2e/server.py",
                                  "/nowhere", "/api/nothing"])
def test_unknown_paths_are_404(api, path):
    status, answer = call(api[0], path)
    assert status == 404 and "error" in answer


def test_grid25_lab():
    lab = Lab("grid25")
    try:
        frame = lab.frame()
        assert frame["modes"]["n_modes"] == 25 and frame["extent"][1] > 4
    finally:
        lab.close()


def test_state_lists_the_librarys_choices(api):
    status, state = call(api[0], "/api/state")
    assert status == 200
    assert "wgan-gp" in state["options"]["recipes"] and "hinge" in state["options"]["objectives"]
    assert state["options"]["datasets"] == ["grid25", "ring8", "custom"]
    assert state["settings"]["preset"] == "ring8" and len(state["stages"]) == 5


def test_step_stage_play_and_frame(api):
    url, lab = api
    step = call(url, "/api/state")[1]["step"]
    assert call(url, "/api/step", {})[1]["step"] == step + 1
    answer = call(url, "/api/stage", {})[1]
    assert answer["ran"]["stage"] == "d_on_real" and "d_loss_real" in answer["ran"]["numbers"]
    assert call(url, "/api/play", {"playing": True})[1]["playing"] is True
    time.sleep(0.5)
    assert call(url, "/api/play", {"playing": False})[1]["playing"] is False
    status, frame = call(url, "/api/frame")
    assert status == 200 and frame["step"] > step + 1 and len(frame["heat"]) == 24 * 24
    status, history = call(url, "/api/history")
    assert status == 200 and history["curves"]["step"][-1] <= history["step"]


def test_settings_layer_reset_export(api, capsys):
    url, lab = api
    status, state = call(url, "/api/settings", {"d_lr": 0.002})
    assert status == 200 and state["settings"]["d_lr"] == 0.002
    status, layer = call(url, "/api/layer?name=G/0")
    assert status == 200 and "weight" in layer["params"]
    status, exported = call(url, "/api/export", {})
    assert status == 200 and exported["path"].endswith(".npz")
    assert main(["evaluate", "--checkpoint", exported["path"], "-n", "300"]) == 0
    assert call(url, "/api/reset", {})[1]["step"] == 0


BAD = [
    ("/api/settings", b"{not json", "malformed JSON"),
    ("/api/settings", b"[1, 2]", "expected a JSON object"),
    ("/api/settings", b'{"objective": "nope"}', "unknown objective or recipe 'nope'"),
    ("/api/settings", b'{"d_lr": -0.1}', "d_lr must be positive"),
    ("/api/settings", b'{"g_lr": NaN}', "g_lr must be finite"),
    ("/api/settings", b'{"batch_size": 100000}', "batch_size must be in [8, 1024]"),
    ("/api/settings", b'{"n_critic": "5"}', "n_critic must be a number"),
    ("/api/settings", b'{"size": 3}', "unknown setting 'size'"),
    ("/api/settings", b'{"dataset": "custom", "points": [[0, 0], [1e9, 0], [1, 1]]}', "points[1]"),
    ("/api/settings", b'{"objective": "pacgan3"}', "divisible by the pack size"),
    ("/api/play", b'{"playing": "yes"}', "playing must be true or false"),
    ("/api/settings", b"\xff\xfe", "malformed JSON"),
]


@pytest.mark.parametrize("path, raw, message", BAD)
def test_bad_requests_get_a_message_and_keep_the_state(api, path, raw, message):
    url, lab = api
    call(url, "/api/step", {})
    before = call(url, "/api/state")[1]
    status, answer = call(url, path, raw=raw)
    assert status == 400 and message in answer["error"]
    after = call(url, "/api/state")[1]
    assert (after["step"], after["settings"]) == (before["step"], before["settings"])


def test_each_page_gets_a_model_of_its_own(api):
    url, lab = api
    status, answer = call(url, "/api/new", {})
    assert status == 200
    mine = f"?lab={answer['lab']}"
    before = call(url, "/api/state")[1]["step"]
    assert call(url, "/api/step" + mine, {})[1]["step"] == 1
    assert call(url, "/api/settings" + mine, {"objective": "hinge"})[1]["settings"]["objective"] == "hinge"
    assert call(url, "/api/frame" + mine)[1]["step"] == 0
    assert call(url, "/api/state")[1]["step"] == before            # model "0" untouched
    status, answer = call(url, "/api/step?lab=77", {})
    assert status == 404 and "no model '77'" in answer["error"]


def test_models_past_the_limit_close_the_oldest():
    labs = Labs("ring8", limit=2)
    try:
        first, second = labs.new(), labs.new()
        with pytest.raises(NoSuchModel):
            labs.get("0")
        a, b = labs.get(first), labs.get(second)
        assert all((p.data == q.data).all() for p, q in zip(a.gan.G.parameters(), b.gan.G.parameters()))
    finally:
        labs.close()


def test_bad_layer_queries(api):
    assert call(api[0], "/api/layer")[0] == 400
    status, answer = call(api[0], "/api/layer?name=D/42")
    assert status == 400 and "unknown layer" in answer["error"]


def test_a_body_too_large_is_refused(api):
    status, answer = call(api[0], "/api/settings", raw=b" " * ((1 << 20) + 1))
    assert status == 413 and "too large" in answer["error"]


def test_a_body_that_is_not_json_typed_is_refused(api):
    status, answer = call(api[0], "/api/reset", raw=b"{}", kind="text/plain")
    assert status == 415 and "must be JSON" in answer["error"]


def test_post_to_unknown_path_is_404(api):
    assert call(api[0], "/api/launch", {})[0] == 404


def test_host_warning():
    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None
    assert "warning" in host_warning("0.0.0.0")


def test_command_bad_flags_exit_2(capsys):
    with pytest.raises(SystemExit) as err:
        main(["lab", "--preset", "dcgan-digits"])
    assert err.value.code == 2
    assert main(["lab", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be 0..65535" in capsys.readouterr().err


def test_command_serves_the_page(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "minigan.cli", "lab", "--port", "0", "--no-browser",
                                "--out", str(tmp_path)], stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        assert "minigan lab: ring8 at http://127.0.0.1:" in line
        url = line.split(" at ")[1].split()[0]
        status, state = call(url, "/api/state")
        assert status == 200 and state["settings"]["preset"] == "ring8"
    finally:
        process.terminate()
        process.wait(timeout=10)
