"""The built-in stabilizers, one module each; ``ganbench.builtins.stabilizers`` registers them.

Each module cites the paper it implements. Two small bases carry what several share:
``targets.TargetStabilizer`` (refuses losses without real/fake targets) and
``neck.NeckStabilizer`` (inserts one layer before the discriminator's head).
"""
