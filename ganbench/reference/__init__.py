"""Generators of the reference pages, kept out of the contracts' way: each reads the code a plugin
author builds on and writes its page, so that the docs cannot drift from it.

    python -m ganbench.reference.api > docs/api.md        # the contracts' attributes and methods
    python -m ganbench.reference.hooks > docs/hooks.md    # the hooks a plugin may implement

tests/test_api_reference.py fails when a committed page differs from what its generator writes.
"""
