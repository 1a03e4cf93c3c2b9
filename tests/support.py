"""Helpers for tests over real installed fixture distributions.

Each project under ``tests/packages/`` is a real setuptools distribution with
one failure mode. The session builds and installs them with pip into a
directory of their own (``pip install --target``), and the tests run the real
``plughost`` console script, or a Python child, with that directory on
``PYTHONPATH``: importlib.metadata and stevedore then see those distributions
as installed, next to the host, greeter and calculator of the test
environment.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGES = Path(__file__).parent / "packages"
# Installed elsewhere than the shared fixture site: in a second virtual
# environment (test_isolation.py), where they conflict with what the host has;
# and the projects of test_backends, test_manage and test_verify, which
# install them into places of their own.
SECOND_VENV_ONLY = {"dep-new", "venv-only"}
# Would hang every `plughost check` of the shared site, or changes with the
# environment (test_fast_run.py): installed by their tests alone.
OWN_SITE = {"slow-import", "changeable"}
OWN_PLACES = ("backend-", "manage-", "verify-")
ALL_FIXTURES = sorted(
    p.name
    for p in PACKAGES.iterdir()
    if (p / "pyproject.toml").exists()
    and p.name not in SECOND_VENV_ONLY | OWN_SITE
    and not p.name.startswith(OWN_PLACES)
)


def pip_install_target(target: Path, projects: Sequence[Path]) -> None:
    """Build and install ``projects`` into ``target`` with the real pip."""
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            *map(str, projects),
        ],
        check=True,
        env=env,
        timeout=600,
    )


def plughost_script() -> str:
    """The console script of the environment running the tests."""
    script = Path(sys.executable).parent / "plughost"
    if script.exists():
        return str(script)
    found = shutil.which("plughost")
    if found is None:
        pytest.fail("the plughost console script is not installed; run the tests through nox")
    return found


@dataclass
class PluginEnv:
    """Installed fixture distributions, and a clean environment to run in."""

    site: Path
    home: Path
    extra_paths: list[Path] = field(default_factory=list)

    @property
    def cache_dir(self) -> Path:
        """Where plughost keeps its check records in this environment."""
        return self.home / "cache" / "plughost"

    @property
    def marker_dir(self) -> Path:
        """Where the marker fixture writes when it is imported."""
        return self.home / "markers"

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment for a child: only these plugins, private caches."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGHOST_", "PYTHON"))}
        paths = [str(self.site), *map(str, self.extra_paths)]
        env.update(
            PYTHONPATH=os.pathsep.join(paths),
            HOME=str(self.home),
            PLUGHOST_CACHE_DIR=str(self.cache_dir),
            XDG_CACHE_HOME=str(self.home / "cache"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_DATA_HOME=str(self.home / "data"),
            PLUGHOST_TEST_MARKER_DIR=str(self.marker_dir),
            PYTHONIOENCODING="utf-8",
        )
        env.update(extra)
        return env

    def plughost(
        self, *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the real ``plughost`` console script."""
        return subprocess.run(
            [plughost_script(), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            env=env or self.environ(),
            cwd=self.home,
            stdin=subprocess.DEVNULL,
        )

    def python(
        self, code: str, *args: str, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in a Python child that sees these plugins."""
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            env=self.environ(),
            cwd=self.home,
            stdin=subprocess.DEVNULL,
        )


def read_stderr_until(
    proc: subprocess.Popen[bytes], pattern: str, timeout: float = 60
) -> tuple[re.Match[str], str]:
    """Read ``proc``'s stderr until a line matches ``pattern``.

    Returns the match and everything read so far. Fails the test if the
    process ends, or ``timeout`` seconds pass, first: reading never blocks
    longer than that.
    """
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        text = data.decode("utf-8", "replace")
        for line in text.splitlines():
            match = re.search(pattern, line)
            if match:
                return match, text
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no line matching {pattern!r} within {timeout} s; stderr:\n{text}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                pytest.fail(f"the process ended before a line matching {pattern!r}:\n{text}")
            data += chunk
