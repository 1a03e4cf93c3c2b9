"""Fails an assertion while being imported."""

assert 1 + 1 == 3, "arithmetic is broken"
