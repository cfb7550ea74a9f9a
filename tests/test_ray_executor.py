"""The ray executor on a local Ray instance: the same runs as the local executor, in the same
run directories and index, and requests that a cluster can always meet."""

import pytest

from ganbench.cli import main
from ganbench.config import RunConfig
from ganbench.errors import ConfigError
from ganbench.results.index import load_runs
from ganbench.sweep.executors import FINISHED, LocalExecutor, run_sweep
from ganbench.sweep.ray_executor import RayExecutor, trial_resources
from test_sweep import TINY, metrics_files, planned  # tests/ is on sys.path (rootdir-relative imports)

CPU_ONLY = [RunConfig(device="cpu")]


def test_a_trial_asks_for_one_gpu_where_there_are_gpus():
    assert trial_resources({"CPU": 16, "GPU": 4}, 16, None, [RunConfig()]) == {"num_gpus": 1, "num_cpus": 1}


def test_without_gpus_a_trial_asks_for_cpus_that_one_node_has():
    assert trial_resources({"CPU": 2}, 2, None, CPU_ONLY) == {"num_cpus": 2}
    assert trial_resources({"CPU": 1}, 1, None, CPU_ONLY) == {"num_cpus": 1}  # never more than the node has
    assert trial_resources({"CPU": 16, "GPU": 2}, 8, 4, CPU_ONLY) == {"num_cpus": 4}  # device cpu: no GPU asked


def test_a_request_no_node_can_meet_is_refused_instead_of_pending_forever():
    with pytest.raises(ConfigError, match="can never be met"):
        trial_resources({"CPU": 8}, 4, 6, CPU_ONLY)


@pytest.mark.slow
def test_a_four_trial_ray_sweep_matches_the_local_executor_and_compare_shows_it(tmp_path, capsys):
    pytest.importorskip("ray")
    sweep = [*TINY, "--stabilizer", "none,minibatch-std", "--seeds", "2"]
    local = run_sweep(planned(*sweep, "--results-dir", str(tmp_path / "local")), LocalExecutor(), lambda u: None)
    ray_configs = planned(*sweep, "--results-dir", str(tmp_path / "ray"))
    seen = []
    remote = run_sweep(ray_configs, RayExecutor(workers=2, cpus_per_trial=1), seen.append)
    assert [update.state for update in remote] == [FINISHED] * 4, [update.message for update in remote]
    assert metrics_files(tmp_path / "ray") == metrics_files(tmp_path / "local")
    assert [u.result.metrics for u in remote] == [u.result.metrics for u in local]
    assert len(load_runs(tmp_path / "ray" / "index.sqlite")) == 4
    main(["compare", str(tmp_path / "ray"), "--format", "markdown"])
    table = capsys.readouterr().out
    assert "minibatch-std" in table and "| 2 |" in table.replace("  ", " ")  # n = 2 seeds per row
