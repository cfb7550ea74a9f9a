"""One run in this process, in the ranks torchrun started, or in ``nproc`` local processes started here.

``ganbench run`` and ``ganbench.run(...)`` call :func:`run_distributed_or_single` with a resolved
configuration; every rank trains through ganbench.engine.run.run.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from ganbench.config import RunConfig
from ganbench.resolve import ensure_resolved
from ganbench.errors import ConfigError


def run_distributed_or_single(config: RunConfig, show_progress: bool, restart: bool):
    """Train ``config``: in one process, in the ranks torchrun started, or in ``nproc`` local processes.
    Returns rank 0's RunReport (None on the other ranks)."""
    from ganbench.engine import distributed
    from ganbench.engine.run import RunReport, run as run_training
    from ganbench.engine.setup import prepare
    from ganbench.results.run_dir import RunDir

    config = ensure_resolved(config)  # the run id every rank and the launcher agree on
    launched = distributed.ranks_from_environment()
    if config.nproc == 1 or launched.distributed:
        if launched.distributed and launched.world_size != config.nproc:
            raise ConfigError(f"torchrun started {launched.world_size} processes but --nproc is {config.nproc}.")
        report = run_training(config, show_progress=show_progress, restart=restart, ranks=launched)
        return report if launched.main else None
    prepare(config)  # refuse bad input here, before any worker starts
    distributed.launch(config.nproc, functools.partial(_train_rank, config.to_dict(), show_progress, restart))
    folder = RunDir(Path(config.results_dir) / config.run_id)
    return RunReport(folder.path, folder.read_result())


def _train_rank(config: dict, show_progress: bool, restart: bool, ranks) -> None:
    from ganbench.engine.distributed import shut_down
    from ganbench.engine.run import run as run_training
    try:
        run_training(RunConfig.from_dict(config), show_progress=show_progress, restart=restart, ranks=ranks)
    finally:
        shut_down()


def nproc_for_this_process(nproc: Any) -> Any:
    """``nproc`` as given, or torchrun's world size when torchrun started this process: torchrun's own
    parser claims ``--nproc``, so its world size is the only way the number reaches ganbench."""
    from ganbench.engine.distributed import ranks_from_environment
    launched = ranks_from_environment()
    if not launched.distributed:
        return nproc
    if nproc not in (None, str(launched.world_size), launched.world_size):
        raise ConfigError(f"torchrun started {launched.world_size} processes but --nproc is {nproc}.")
    return str(launched.world_size)


def migrate_before_looking_for_runs(results_dir: str, tell: Callable[[str], None]) -> None:
    """Runs written by an older ganbench get today's ids first, so that they are found, not retrained.
    Under torchrun only rank 0 does it, before the others look."""
    from ganbench.engine.distributed import ranks_from_environment
    from ganbench.results.migrate import migrate_and_tell
    launched = ranks_from_environment()
    if not launched.distributed or launched.main:
        migrate_and_tell(results_dir, tell)
