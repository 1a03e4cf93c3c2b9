"""Fails at import: a dependency that is not installed."""

import plughost_fixture_not_installed_anywhere  # noqa: F401
