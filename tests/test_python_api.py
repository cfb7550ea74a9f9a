"""The Python API: ganbench.run, ganbench.sweep and ganbench.compare mean what the commands mean."""

import os
import re
from pathlib import Path

import pytest

import ganbench
from ganbench.errors import ConfigError, UnknownComponent

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
TINY = dict(arch="mlp", dataset="ring8", steps=4, batch_size=8, latent_dim=8, log_every=2, sample_every=4,
            checkpoint_every=4, eval_samples=64, evaluator="stability", device="cpu")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_worked_example_of_docs_python_md_runs_and_gives_a_dataframe(tmp_path, monkeypatch):
    pandas = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    frame = namespace["frame"]
    assert isinstance(frame, pandas.DataFrame)
    assert sorted(frame["stabilizers"]) == ["minibatch-std", "none"]
    assert list(frame["n"]) == [2, 2]
    assert (tmp_path / "runs" / "python-example").is_dir()


def test_a_python_run_is_the_command_lines_run(tmp_path, capsys):
    from ganbench.cli import main
    results = tmp_path / "runs"
    result = ganbench.run(stabilizer=["minibatch-std", "instance-noise"], results_dir=str(results), **TINY)
    main(["run", *[f"--{key.replace('_', '-')}={value}" for key, value in TINY.items()],
          "--stabilizer", "instance-noise", "--stabilizer", "minibatch-std", "--results-dir", str(results), "--quiet"])
    assert "already finished" in capsys.readouterr().out
    assert result.run_id.startswith("mlp-bce-ring8-instance-noise+minibatch-std-s0-")


def test_python_api_mistakes_raise_exceptions_not_system_exit(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("run takes one configuration; use sweep for --arch mlp,dcgan.")):
        ganbench.run(arch="mlp,dcgan", results_dir=str(tmp_path))
    with pytest.raises(UnknownComponent):
        ganbench.sweep(arch="mlpp", dataset="ring8", results_dir=str(tmp_path))
    with pytest.raises(TypeError, match="unexpected keyword argument 'stabiliser'"):
        ganbench.run(stabiliser="ema")
    with pytest.raises(ConfigError, match="does not exist"):
        ganbench.compare(tmp_path / "nothing")
    assert not os.listdir(tmp_path)
