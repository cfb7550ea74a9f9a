"""The training engine: set-up, the adversarial step, the loop, checkpoints."""
