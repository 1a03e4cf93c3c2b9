"""Real fixture plugins, built and installed by the test session.

Each project under ``tests/packages/`` is a real setuptools distribution with
one failure mode; ``support.py`` says how they are installed and run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import ALL_FIXTURES, PACKAGES, PluginEnv, pip_install_target


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All fixture distributions, installed once per session."""
    site = tmp_path_factory.mktemp("fixture-site")
    pip_install_target(site, [PACKAGES / name for name in ALL_FIXTURES])
    return site


@pytest.fixture
def plugin_env(fixture_site: Path, tmp_path: Path) -> Iterator[PluginEnv]:
    """Every fixture plugin installed, with caches private to the test."""
    env = PluginEnv(site=fixture_site, home=tmp_path)
    env.marker_dir.mkdir()
    yield env


@pytest.fixture(scope="session")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with no fixture distributions at all."""
    return tmp_path_factory.mktemp("empty-site")


@pytest.fixture
def clean_env(empty_site: Path, tmp_path: Path) -> PluginEnv:
    """Only the distributions of the test environment (host, greeter, calculator)."""
    env = PluginEnv(site=empty_site, home=tmp_path)
    env.marker_dir.mkdir()
    return env
