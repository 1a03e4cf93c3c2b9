"""The metadata folders noted during stevedore's own scan are the ones a scan of our own finds."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from support import PACKAGES, PluginEnv, pip_install_target

_CODE = textwrap.dedent(
    """
    import json, sys
    from plughost._discovery import entrypoints
    from plughost._discovery.observed import observing

    finders = list(sys.meta_path)
    with observing() as seen:
        listed = entrypoints._stevedore_entry_points("plughost.plugins")
    assert sys.meta_path == finders, "the path finder is back in its place"
    print(json.dumps({
        "complete": seen.complete,
        "noted": entrypoints._metadata_folders("plughost.plugins", seen) if seen.complete else None,
        "scanned": entrypoints._metadata_folders("plughost.plugins"),
        "listed": len(listed),
    }))
    """
)


def test_a_cold_scan_notes_every_folder_a_second_scan_would_find(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    # A second, older copy of a distribution further on sys.path: the scan
    # reads only the first one's entry points, and the second is still found.
    stale = tmp_path / "stale"
    pip_install_target(stale, [PACKAGES / "tools"])
    plugin_env.extra_paths = [stale]
    result = plugin_env.python(_CODE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["complete"] is True and seen["listed"] > 10
    assert seen["noted"] == seen["scanned"]
    assert sum(1 for folder in seen["noted"] if "fixture_tools" in folder) == 2


def test_a_warm_stevedore_cache_scans_nothing(plugin_env: PluginEnv) -> None:
    # Then nothing was noted, and discovery reads the folders itself.
    assert plugin_env.python(_CODE).returncode == 0  # stevedore's cache, now warm
    result = plugin_env.python(_CODE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["complete"] is False and seen["noted"] is None and seen["scanned"]
