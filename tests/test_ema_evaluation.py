"""With EMA on, both generators are evaluated: the EMA weights give the headline figures, the trained
weights the same figures under raw_, with the same directions."""

from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run


def tiny(results, stabilizers):
    return RunConfig(arch=Choice("mlp", {"hidden": 16}), dataset=Choice("ring8"), steps=30, batch_size=16,
                     log_every=10, sample_every=30, checkpoint_every=30, eval_samples=200, device="cpu",
                     latent_dim=8, results_dir=str(results), evaluators=[Choice("stability")],
                     stabilizers=stabilizers)


def test_an_ema_run_reports_the_trained_generator_beside_the_average(tmp_path):
    result = run(tiny(tmp_path, [Choice("ema")]), show_progress=False, publish=False).result
    assert {"diversity_ratio", "raw_diversity_ratio"} <= set(result.metrics)
    assert result.directions["raw_diversity_ratio"] == result.directions["diversity_ratio"] == "higher"
    assert "raw_stability" in result.protocol
    # The average lags the trained weights, so the two generators' samples differ.
    assert result.metrics["raw_diversity_ratio"] != result.metrics["diversity_ratio"]


def test_a_run_without_ema_has_one_set_of_figures(tmp_path):
    result = run(tiny(tmp_path, []), show_progress=False, publish=False).result
    assert not any(name.startswith("raw_") for name in result.metrics)
