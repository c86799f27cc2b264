"""`minigan gradcheck`: every layer type, objective and penalty is in the table, and all pass."""
import inspect

from minigan import nn
from minigan.gradcheck.table import run_all
from minigan.cli import main
from minigan.losses import OBJECTIVES
from minigan.nn import conditional


def layer_classes():
    """Every concrete Layer a user can build from minigan.nn (and the conditional helpers)."""
    found = {obj for module in (nn, conditional) for obj in vars(module).values()
             if inspect.isclass(obj) and issubclass(obj, nn.Layer) and obj not in (nn.Layer, nn.Sequential)}
    assert len(found) >= 15          # the lookup itself works
    return found


def test_the_table_covers_every_layer_and_objective_and_all_pass():
    rows = run_all()
    names = [name for name, _, _ in rows]
    failed = [(name, err) for name, err, ok in rows if not ok]
    assert not failed, failed
    for cls in layer_classes():
        assert any(cls.__name__ in name for name in names), f"{cls.__name__} is missing from minigan gradcheck"
    for objective in OBJECTIVES:
        for term in ("d_real", "d_fake", "g"):
            assert f"objective {objective}.{term}" in names
    assert any(name.startswith("second order:") for name in names)
    assert any("WGAN-GP penalty" in name for name in names) and any("R1 penalty" in name for name in names)


def test_cli_prints_the_table_and_exits_0(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "ConvTranspose2d" in out and "passed (float64" in out and "FAIL" not in out
