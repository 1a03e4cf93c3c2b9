"""Which metadata folders declare a group, noted while stevedore scans them.

stevedore builds its cache, when it has none, from
``importlib.metadata.entry_points()``, which reads the entry_points.txt of
every installed distribution, and keeps only (name, value, group): not which
distribution declared what. plughost needs the distribution too, and reading
every metadata folder a second time cost about 45 ms with 5,000
distributions installed, a tenth of a cold ``plughost list``. So while
stevedore scans, :func:`observing` stands in for the path finder in
``sys.meta_path``, the finder ``importlib.metadata`` asks for distributions.
It hands out the very distributions the path finder finds, in the same
order, as :class:`_Noting` objects that note each entry_points.txt they
read (and read it faster); imports still go to the path finder. When
stevedore's cache was warm there was no scan (``Seen.complete`` is False)
and ``_discovery.entrypoints`` reads the folders itself.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import pathlib
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = ["Seen", "observing"]


class Seen:
    """The metadata folders one scan of ``sys.path`` found, and the entry points they declare."""

    def __init__(self) -> None:
        self.complete = False
        #: (position on sys.path, folder name) of every distribution found, in order.
        self.found: list[tuple[int, str]] = []
        #: The text of each entry_points.txt read, by (position, folder name).
        self.texts: dict[tuple[int, str], str | None] = {}
        self.path: list[str] = []

    def folders(self) -> list[tuple[str, bool, str | None]]:
        """Every metadata folder found, as ``_metadata_folders`` orders them.

        Each is (folder, whether the scan read its entry_points.txt, the
        text: None when there is none). The scan reads only the first copy
        of a distribution installed twice.
        """
        ordered = sorted(
            {(i, name) for i, name in self.found if name.endswith((".dist-info", ".egg-info"))}
        )
        return [
            (
                os.path.join(self.path[i] or ".", name),
                (i, name) in self.texts,
                self.texts.get((i, name)),
            )
            for i, name in ordered
        ]


class _Noting(importlib.metadata.PathDistribution):
    """A distribution found on ``sys.path`` that notes the entry_points.txt it reads.

    It reads its files as ``PathDistribution.read_text`` does (UTF-8, the
    same errors taken for a missing file), through ``open`` rather than
    ``pathlib``: over thousands of distributions that makes stevedore's own
    scan about a tenth faster, more than what noting costs.
    """

    def __init__(self, path: pathlib.Path, seen: Seen, key: tuple[int, str]) -> None:
        super().__init__(path)
        self._folder = str(path)
        self._seen = seen
        self._key = key

    def read_text(self, filename: str | os.PathLike[str]) -> str | None:
        """The metadata file's text, as the path finder's distribution reads it."""
        try:
            with open(os.path.join(self._folder, filename), encoding="utf-8") as f:
                text: str | None = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            text = None
        if filename == "entry_points.txt":
            self._seen.texts[self._key] = text
        return text


class _Finder:
    """The path finder, with distributions that note what they read."""

    def __init__(self, finder: Any, seen: Seen) -> None:
        self.finder = finder
        self.seen = seen

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """Imports go to the path finder."""
        return self.finder.find_spec(fullname, path, target)

    def invalidate_caches(self) -> None:
        """The path finder's caches."""
        self.finder.invalidate_caches()

    def find_distributions(self, context: Any = None) -> Any:
        """The path finder's distributions; those of a scan of every name note what they read."""
        context = context or importlib.metadata.DistributionFinder.Context()
        if context.name is not None:
            return self.finder.find_distributions(context)
        return self._noting(list(context.path))

    def _noting(self, path: list[str]) -> Iterator[importlib.metadata.Distribution]:
        self.seen.path = path
        finder = importlib.metadata.MetadataPathFinder
        for i, entry in enumerate(path):
            one = importlib.metadata.DistributionFinder.Context(path=[entry])
            for dist in finder.find_distributions(one):
                folder = getattr(dist, "_path", None)
                if (
                    isinstance(folder, pathlib.Path)
                    and type(dist) is importlib.metadata.PathDistribution
                ):
                    key = (i, folder.name)
                    self.seen.found.append(key)
                    yield _Noting(folder, self.seen, key)
                else:
                    yield dist
        self.seen.complete = True


@contextlib.contextmanager
def observing() -> Iterator[Seen]:
    """Within the block, a scan of every distribution on ``sys.path`` is noted in a ``Seen``."""
    import importlib.machinery

    seen = Seen()
    path_finder = importlib.machinery.PathFinder
    if path_finder not in sys.meta_path:
        yield seen  # nothing to stand in for: the caller reads the folders itself
        return
    finder = _Finder(path_finder, seen)
    sys.meta_path[sys.meta_path.index(path_finder)] = finder
    try:
        yield seen
    finally:
        if finder in sys.meta_path:
            sys.meta_path[sys.meta_path.index(finder)] = path_finder
        else:
            seen.complete = False  # someone else changed sys.meta_path meanwhile
