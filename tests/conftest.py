"""The command line as the tests call it: ``cli("run", "--arch", "mlp", ...)`` runs ``ganbench ARGS`` in
this process and gives back its exit status and what it printed."""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import settings

# CI draws the same examples on every run (a red CI names a bug of the change, not of the draw); a
# developer's machine draws new ones each time, so the property tests keep looking for new inputs.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@dataclasses.dataclass(frozen=True)
class CliResult:
    """Exit status (0 when main returns), stdout and stderr of one ``ganbench ARGS``; unpacks as
    ``code, out, err``."""

    code: int | str
    out: str
    err: str

    def __iter__(self):
        return iter((self.code, self.out, self.err))


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]):
        self.capsys = capsys

    def __call__(self, *args: str) -> CliResult:
        from ganbench.cli import main
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code or 0
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    def ok(self, *args: str) -> CliResult:
        """The command, which must succeed: a failure shows its stderr."""
        result = self(*args)
        assert result.code == 0, result.err
        return result


@pytest.fixture
def cli(capsys) -> Cli:
    return Cli(capsys)


def train_engine_steps(run_config, steps: int = 3):
    """A resolved configuration's set-up after ``steps`` adversarial steps of the engine, no files written:
    what a stabilizer's bit-identity test compares."""
    from ganbench.contracts.stabilizer import StepInfo
    from ganbench.engine.setup import prepare
    from ganbench.engine.step import AdversarialStep
    setup = prepare(run_config)
    step = AdversarialStep(setup)
    for index in range(steps):
        step(StepInfo(index, steps))
    return setup


def network_parameters(setup) -> dict:
    """Every tensor of G's and D's state, named g.NAME and d.NAME."""
    return {f"{net}.{name}": value for net, module in (("g", setup.generator), ("d", setup.discriminator))
            for name, value in module.state_dict().items()}
