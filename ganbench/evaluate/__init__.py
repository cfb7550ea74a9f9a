"""Metrics: the built-in evaluators and the feature extractors they use (the contract is ganbench.contracts.evaluator)."""
