"""The plugins discovery found, with what the policy decided of each.

A :class:`Catalogue` discovers once, the first time it is asked (through the
index, or over classes it was given), decides every plugin's state from
metadata and policy, and finds an entry by name with a suggestion when the
name is wrong. It imports no plugin code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING

from .. import API_VERSION, __version__
from .._discovery.index import discover, discover_one
from .._errors import PluginNotFound
from .config import Policy
from .decide import Decision, Entry, decide

if TYPE_CHECKING:
    from .._discovery.entrypoints import Candidate

__all__ = ["Catalogue"]

log = logging.getLogger(__name__)


class Catalogue:
    """Every plugin's entry, by name, discovered once.

    ``classes``, when set before the first question, stands in for discovery
    (a host made from plugin classes).
    """

    def __init__(
        self,
        *,
        group: str,
        cache_dir: Path,
        use_index: bool,
        refresh: bool,
        policy: Policy,
        disable: Set[str],
        interpreters: Mapping[str, str],
        executables: Mapping[str, Sequence[str]],
    ) -> None:
        self.classes: dict[str, object] | None = None
        self._group = group
        self._cache_dir = cache_dir
        self._use_index = use_index
        self._refresh = refresh
        self._policy = policy
        self._disable = disable
        self._interpreters = interpreters
        self._executables = executables
        self._entries: dict[str, Entry] | None = None
        self._passed_over: list[Entry] = []
        self._alone: dict[str, Entry] = {}

    def entries(self) -> dict[str, Entry]:
        """The loadable entries by name (discovered and decided on first use)."""
        if self._entries is not None:
            return self._entries
        found = None
        if self.classes is None:
            found = discover(
                self._group,
                cache_dir=self._cache_dir,
                use_index=self._use_index,
                refresh=self._refresh,
            )
        decision = self._decide(found)
        self._entries = decision.entries
        self._passed_over = decision.passed_over
        _log_entries(self.every())
        return self._entries

    def _decide(
        self,
        candidates: list[Candidate] | None,
        installed: tuple[set[str], set[str]] | None = None,
    ) -> Decision:
        return decide(
            candidates,
            policy=self._policy,
            host_version=__version__,
            api_version=API_VERSION,
            classes=self.classes,
            disable=self._disable,
            interpreters=self._interpreters,
            executables=self._executables,
            installed=installed,
        )

    def _one(self, name: str) -> Entry | None:
        """The entry of ``name`` from its own index entries alone, if the index holds it.

        A run of one plugin then reads and stats nothing of the others.
        """
        if self.classes is not None or not self._use_index or self._refresh:
            return None
        found = self._alone.get(name)
        if found is not None:
            return found
        one = discover_one(self._group, name, cache_dir=self._cache_dir)
        if one is None:
            return None
        decision = self._decide(one.candidates, (one.names, one.dist_keys))
        found = decision.entries.get(name)
        if found is not None:
            _log_entries([found])
            self._alone[name] = found
        return found

    def every(self) -> list[Entry]:
        """Every row ``list`` shows: each entry, and each distribution a pin passed over."""
        rows = [*self.entries().values(), *self._passed_over]
        rows.sort(key=lambda e: (e.name, not e.loadable))
        return rows

    def entry(self, name: str) -> Entry:
        """The entry of plugin ``name``; :class:`plughost.PluginNotFound`, with suggestions."""
        if self._entries is None:
            alone = self._one(name)
            if alone is not None:
                return alone
        entries = self.entries()
        found = entries.get(name)
        if found is None:
            import difflib

            raise PluginNotFound(name, difflib.get_close_matches(name, list(entries), n=2))
        return found

    def chosen(self, names: Sequence[str] | None) -> list[Entry]:
        """The entries of ``names``, in that order; all of them for None."""
        if names is None:
            return list(self.entries().values())
        if len(names) > 1:
            self.entries()  # one discovery for all of them
        return [self.entry(n) for n in names]


def _log_entries(entries: list[Entry]) -> None:
    if log.isEnabledFor(logging.DEBUG):
        for entry in entries:
            dist = entry.candidate.dist if entry.candidate else None
            log.debug(
                "plugin %r (%s): %s%s",
                entry.name,
                dist.label() if dist else "no distribution",
                entry.state.value,
                f": {entry.reason}" if entry.reason else "",
            )
