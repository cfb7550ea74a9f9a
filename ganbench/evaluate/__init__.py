"""Evaluators and the feature extractors they use."""
