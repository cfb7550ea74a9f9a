"""docs/errors.md promises a message for each user error; every command in its table is run here."""

import re
import shlex
from pathlib import Path

import pytest

from ganbench.cli import main

TABLE = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
ROW = re.compile(r"^\| (?P<situation>[^|]+) \| `ganbench (?P<args>[^`]+)` \| (?P<message>.+) \|$")


def documented_errors():
    rows = [ROW.match(line) for line in TABLE.read_text().splitlines()]
    return [pytest.param(row["args"], row["message"], id=row["situation"].strip()) for row in rows if row]


def test_the_table_documents_many_errors():
    assert len(documented_errors()) >= 40


@pytest.mark.parametrize("args, message", documented_errors())
def test_each_documented_error_is_one_sentence_with_exit_status_2(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.toml").write_text("not a toml = =\n")
    command = shlex.split(args)
    if command[0] in ("run", "sweep"):
        command += ["--results-dir", str(tmp_path / "runs")]
    with pytest.raises(SystemExit) as exit_info:
        main(command)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2
    error = captured.err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in captured.out + captured.err
    for part in message.split("…"):
        assert part.strip() in error
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
