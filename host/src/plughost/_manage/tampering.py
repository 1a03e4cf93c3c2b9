"""The host's side of ``verify``: plugins' files against their RECORD, before and on demand.

With ``verify = true`` in the config, a plugin whose installed files no
longer match what its distribution's RECORD says is refused before it is
imported or started, with the reason and the command that reinstalls it.
``plughost verify`` reports every distribution. Digests are cached per
distribution in the cache directory, keyed on size, times and inode.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .direct_url import reinstall_command
from .verify import (
    DistVerification,
    VerifyCache,
    first_mismatch,
    installed_dist_infos,
    verify_distribution,
)

if TYPE_CHECKING:
    from .._policy.decide import Entry

__all__ = ["Tampering"]


class Tampering:
    """Checks plugins' files against their RECORD, with one digest cache.

    ``cache_dir`` holds the cache (None: nothing is kept between runs).
    """

    def __init__(self, cache_dir: Path | None) -> None:
        self._cache = VerifyCache(cache_dir / "verify" if cache_dir is not None else None)

    def modified(self, entry: Entry) -> str | None:
        """Why ``entry``'s files no longer match RECORD, as one line with the fix; else None."""
        cand = entry.candidate
        dist = cand.dist if cand else None
        if dist is None or dist.path is None:
            return None
        problem = first_mismatch(dist.path, self._cache)
        if problem is None:
            return None
        what = (
            "cannot be verified" if problem.kind == "unverifiable" else "was modified since install"
        )
        again = reinstall_command(dist.name, dist.version, dist.path)
        return (
            f"plugin {entry.name!r} ({dist.label()}) {what}: {problem.describe()}; reinstall it"
            f" ({again}) or see `plughost verify {entry.name}`"
        )

    def verify(self, entries: Iterable[Entry]) -> list[tuple[list[str], DistVerification]]:
        """Per distribution of ``entries``: the names of its plugins and its verification."""
        by_dist: dict[str, list[str]] = {}
        for entry in entries:
            dist = entry.candidate.dist if entry.candidate else None
            if dist is not None and dist.path is not None:
                by_dist.setdefault(dist.path, []).append(entry.name)
        others = installed_dist_infos()
        return [
            (plugins, verify_distribution(path, others=others, cache=self._cache))
            for path, plugins in by_dist.items()
        ]
