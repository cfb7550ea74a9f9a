"""Bring run directories written before resolved configurations to the current run ids.

Before config.json had a ``schema_version``, a run's id hashed its options as typed (the string
"0.8" from the command line, the float 0.8 from a suite) and without the options' defaults, so
one configuration could have several ids. A migrated run gets the id that
:func:`ganbench.resolve.resolve_config` gives its settings today: its config.json is rewritten in the
resolved form, result.json gets the new id and group, and the directory is renamed to the new id.
Nothing else in it changes (metrics, samples and checkpoints are the same files).

Runs on files (``--data-root``) written before run ids included a fingerprint of the data are not
given one: ganbench cannot know which files they read. They keep their ids and stay readable; a new
run with their settings trains afresh under an id with the fingerprint, and says so in one sentence
(:func:`ganbench.engine.run.tell_of_a_run_from_before_data_fingerprints`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ganbench.config import RunConfig
from ganbench.resolve import resolve_config
from ganbench.errors import GanbenchError
from ganbench.atomic import write_json
from ganbench.results.run_dir import RunDir, read_json


@dataclasses.dataclass
class Migrated:
    """One run directory brought to the current form (``old`` and ``new`` differ when it was renamed)."""

    old: Path
    new: Path


@dataclasses.dataclass
class MigrationReport:
    migrated: list[Migrated] = dataclasses.field(default_factory=list)
    skipped: list[tuple[Path, str]] = dataclasses.field(default_factory=list)  # (directory, why)

    def sentence(self) -> str | None:
        """What was done, in one sentence, or None when nothing was."""
        if not self.migrated and not self.skipped:
            return None
        renamed = sum(item.old != item.new for item in self.migrated)
        text = (f"migrated {len(self.migrated)} run directories written by an older ganbench to the current "
                f"run ids ({renamed} renamed, options resolved with their defaults)")
        if self.skipped:
            text += f"; left {len(self.skipped)} as they were ({self.skipped[0][0].name}: {self.skipped[0][1]})"
        return text + "."


@dataclasses.dataclass
class _Plan:
    folder: Path
    stored: dict[str, Any]  # config.json as found
    config: RunConfig  # resolved


def needs_migration(folder: Path) -> bool:
    """A run directory whose config.json predates the schema version."""
    path = RunDir(folder).config
    if not path.is_file():
        return False
    try:
        return "schema_version" not in read_json(path)
    except GanbenchError:
        return False  # a corrupt config.json is reported by whoever reads the run, not migrated


def migrate_results_dir(results_dir: Path | str, registry: Any = None) -> MigrationReport:
    """Migrate every old-form run directory under ``results_dir``; the current ones are not touched."""
    results_dir = Path(results_dir).resolve()  # init_from paths are compared resolved
    report = MigrationReport()
    folders = sorted(path for path in results_dir.iterdir() if path.is_dir() and needs_migration(path)) \
        if results_dir.is_dir() else []
    plans = []
    for folder in folders:
        try:
            stored = read_json(RunDir(folder).config)
            # No data fingerprint: which files an old run read cannot be known now, so its id stays
            # without one (a new run on files gets one and trains afresh beside it).
            config = resolve_config(RunConfig.from_json(stored), registry, fingerprint_data=False)
            plans.append(_Plan(folder, stored, config))
        except GanbenchError as error:
            report.skipped.append((folder, str(error).rstrip(".")))
    renames = _new_paths(plans)
    for plan in plans:
        new = renames[str(plan.folder)]
        if new != plan.folder and new.exists():
            report.skipped.append((plan.folder, f"its current id {new.name} is already a run directory"))
            continue
        _rewrite(plan, new, _group(plan, plans, renames))
        report.migrated.append(Migrated(plan.folder, new))
    return report


def _new_paths(plans: list[_Plan]) -> dict[str, Path]:
    """old folder -> new folder. A run started from another (init_from) names its source's folder, and
    that name is part of its id, so sources are renamed first and their runs follow."""
    renames = {str(plan.folder): plan.folder.parent / plan.config.run_id for plan in plans}
    for _ in range(len(plans) + 1):  # init_from chains are short; each pass settles one more link
        changed = False
        for plan in plans:
            source = plan.config.init_from
            moved = renames.get(str(Path(source).resolve())) if source else None
            if moved is not None:
                plan.config.init_from = str(Path(source).parent / moved.name)
                new = plan.folder.parent / plan.config.run_id
                changed |= renames[str(plan.folder)] != new
                renames[str(plan.folder)] = new
        if not changed:
            break
    return {old: new for old, new in renames.items()}


def _group(plan: _Plan, plans: list[_Plan], renames: dict[str, Path]) -> str:
    """The configuration's group; a run started from another counts its source by the source's group."""
    source_group = None
    if plan.config.init_from:
        source = next((other for other in plans if renames[str(other.folder)].name == Path(plan.config.init_from).name),
                      None)
        if source is not None:
            source_group = _group(source, plans, renames)
        else:
            try:
                source_group = read_json(RunDir(plan.config.init_from).config).get("group")
            except GanbenchError:
                source_group = None
    return plan.config.config_hash(include_seed=False, source_group=source_group)


def _rewrite(plan: _Plan, new: Path, group: str) -> None:
    """config.json and result.json in the current form, then the directory under its new name."""
    folder = RunDir(plan.folder)
    write_json(folder.config, {**plan.config.to_json(), "group": group})
    if folder.result.exists():
        result = read_json(folder.result)
        result.update(run_id=plan.config.run_id, group=group)
        if result.get("last_good_checkpoint"):
            result["last_good_checkpoint"] = str(new / "checkpoints" / Path(result["last_good_checkpoint"]).name)
        write_json(folder.result, json.loads(json.dumps(result)))
    _rename_checkpoint_owner(folder.checkpoint, plan.config.run_id)
    if new != plan.folder:
        plan.folder.rename(new)


def _rename_checkpoint_owner(path: Path, run_id: str) -> None:
    """A checkpoint records the id of its run, and a resume checks it: give it the new id."""
    if not path.exists():
        return
    import torch

    from ganbench.atomic import write_with
    state = torch.load(path, map_location="cpu", weights_only=True)  # ganbench's own format, no code runs
    state["run_id"] = run_id
    write_with(path, lambda temporary: torch.save(state, temporary))


def migrate_and_tell(results_dir: Path | str, tell, mention_skipped: bool = False) -> MigrationReport:
    """Migrate ``results_dir`` and hand the sentence saying what was done to ``tell``. Directories left as
    they were (a plugin that is not installed) are mentioned only when asked (``ganbench index``), so
    that every other command does not repeat it."""
    report = migrate_results_dir(results_dir)
    shown = report if mention_skipped else MigrationReport(report.migrated, [])
    sentence = shown.sentence()
    if sentence:
        tell(f"{Path(results_dir)}: {sentence}")
    return report
