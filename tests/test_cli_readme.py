"""The README says what a new user needs, and its code and pictures come from what it documents."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_library_in_one_screen_runs_as_it_stands():
    section = README[README.index("## The library in one screen"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code.replace("range(200)", "range(3)"), "README snippet", "exec"), namespace)
    record = namespace["record"]
    assert 0 <= record.d_real <= 1 and record.grad_norms


def test_the_readme_answers_a_new_users_questions():
    for needed in ("MINIGAN_FAST=1", "jupyter lab chapters/", ".[dev,gpu]", "pip install torch==2.13.0",
                   "Python 3.10 or newer", "samples.png", "samples.gif", "field.png", "frames/", "training.gif",
                   "`minigan.py`", "$MINIGAN_DATA_DIR/mnist", "--threads N", "minigan evaluate --checkpoint"):
        assert needed in README, needed


def _pictures_tool():
    spec = importlib.util.spec_from_file_location("readme_pictures", ROOT / "tools" / "readme_pictures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_pictures_come_from_the_commands_the_readme_shows(capsys):
    tool = _pictures_tool()
    for shown, _, target, after in tool.PICTURES:
        assert shown in README, shown
        assert f"]({target})" in README, target
        if after:     # the drawing command the README shows, with the run's folder in it
            assert after.split("{run}")[0] in README, after
    assert tool.main(["--dry-run", "--work", "W"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["minigan train --out W/digits_samples --no-progress",
                       "minigan train --preset ring8 --out W/ring8_field --no-progress",
                       "minigan train --preset dcgan-photos --out W/photos_samples --no-progress"]
    runs = list(tool.commands("/data/mnist"))
    assert runs[-1][1][-3:] == ["cdcgan-mnist-quick", "--data-dir", "/data/mnist"]
