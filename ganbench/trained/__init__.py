"""Working with a trained run: load it, evaluate it again, draw pictures from its generator."""
