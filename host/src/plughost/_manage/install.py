"""``plughost install`` and ``upgrade``: pip, made safe for the host and everything else.

Everything acts on one interpreter, ``python`` (default: the one running
plughost; a venv, a user install and pipx all work), and every look at it is
a child process (:mod:`plughost._manage.children`).

1. *Probe* the environment: distributions, install scheme, site folders.
   Gather what was asked (:mod:`plughost._manage.specs`: specs, requirements files,
   options) and refuse a spec naming plughost, or a plugin instead of its
   distribution.
2. *Lock* the environment (:func:`~plughost._manage.transaction.locked`), waiting
   for another plughost install or uninstall, and undo what a killed one
   left half-done (:mod:`plughost._manage.repair`).
3. *Resolve*: ``pip install --dry-run --report`` with ``plughost==VERSION``
   as a constraint (``-c`` adds to pip's configured constraints). If pip
   fails here, nothing changed.
4. *Fetch* the exact artifacts: ``pip wheel --no-deps`` of each planned
   item's URL into a private folder (an sdist is built here); a wheel must
   have the digest pip resolved.
5. *Inspect* (:mod:`plughost._manage.wheels`, :mod:`plughost._manage.rules`): refuse,
   before anything changes, a wheel that would overwrite a file of another
   distribution (or one nobody owns) with other bytes, put a file outside
   the environment, or run code at every start (an executable ``.pth``,
   ``sitecustomize``) unless ``allow_pth``.
6. *Journal* (:class:`~plughost._manage.transaction.Transaction`): copy aside every
   file that will be written or removed and exists; note what is new.
7. *Install* exactly those wheels (``pip --isolated install --no-deps
   --no-index --force-reinstall``, by name from the private folder, or by
   file for a direct reference, whose ``direct_url.json`` then gets the
   original URL back), then the editable projects.
8. *Check* the plugins of the added or changed distributions with
   ``plughost check --json`` in a child. A requested distribution without
   plugins, a plugin neither ``ok`` nor ``disabled`` (the user's choice) or a
   crashed check is a problem that rolls back unless ``keep``. A failed pip,
   a broken rule or an interruption (Ctrl-C, SIGTERM, SIGHUP) always rolls
   back: half an install is never kept.

Steps 3 to 8 are :class:`plughost._manage.install.InstallRun`. ``upgrade`` is an
install with ``-U`` of plugin distributions, chosen again under the lock.
Editable projects cannot be inspected first (pip builds them while it
installs); see :mod:`plughost._manage.rules` for what is checked after.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from .._discovery.entrypoints import canonical_name
from .children import Dist, InstallError, Probe, probe
from .direct_url import read_origin, reinstall_command
from .freeze import plugin_dists
from .outcome import InstallOutcome
from .progress import Progress
from .repair import repair_interrupted
from .requirements import Spec
from .run import InstallRun
from .specs import PIP_OPTIONS, Asked, ask, check_specs
from .transaction import interruptible, locked, work_folder
from .uninstall import NotInstalled, uninstall

__all__ = [
    "PIP_OPTIONS",
    "InstallError",
    "InstallOutcome",
    "NotInstalled",
    "install",
    "repair",
    "uninstall",
    "upgrade",
]


def _host_version(target: Probe) -> str:
    if "plughost" not in target.dists:
        raise InstallError(
            f"plughost is not installed for {target.python}; use plughost's own Python"
        )
    return target.dists["plughost"].version


def repair(*, python: str = sys.executable, out: TextIO | None = None, verbosity: int = 0) -> str:
    """Undo an install or uninstall killed half-way; return one line saying what was done."""
    with Progress(out if out is not None else sys.stderr, verbosity) as progress:
        target = probe(python)
        with interruptible(), locked(target.scheme["purelib"], progress) as waited:
            target = probe(python) if waited else target
            done = repair_interrupted(target, progress)
    return done or f"nothing to repair: no interrupted install in {target.scheme['purelib']}"


def install(
    specs: Sequence[str] = (),
    *,
    requirements: Sequence[str] = (),
    pip_options: Sequence[str] = (),
    keep: bool = False,
    allow_pth: bool = False,
    python: str = sys.executable,
    out: TextIO | None = None,
    verbosity: int = 0,
) -> InstallOutcome:
    """Install ``specs`` with pip for ``python``, check the new plugins, roll back on a problem.

    ``specs`` are what ``pip install`` takes (names with versions, paths,
    URLs); ``requirements`` are requirements files (``-r``);
    ``pip_options`` may hold the options of :data:`PIP_OPTIONS` (an
    editable project is ``("-e", PATH)``). plughost's steps and notes go to
    ``out`` (default: ``sys.stderr``), pip's own output too when
    ``verbosity`` is 1 or more, nothing but warnings when it is -1. With
    ``keep``, a completed install whose plugins are not ``ok`` is kept; with
    ``allow_pth``, a ``.pth`` file that runs code is allowed (and named in
    the warnings). Raises :class:`InstallError` when the request cannot be
    carried out safely, or pip fails (after rolling back what it changed).
    """
    asked = ask(specs, requirements, pip_options)
    if not asked.specs and not asked.editables and not requirements:
        raise InstallError("name a distribution to install, e.g. plughost install plughost-greeter")
    with Progress(out if out is not None else sys.stderr, verbosity) as progress:
        return _locked_install(asked, python, progress, keep, allow_pth, "install")


def upgrade(
    names: Sequence[str] = (),
    *,
    pip_options: Sequence[str] = (),
    keep: bool = False,
    allow_pth: bool = False,
    python: str = sys.executable,
    out: TextIO | None = None,
    verbosity: int = 0,
) -> InstallOutcome:
    """Upgrade the plugin distributions ``names`` (plugin or distribution names; default all).

    It is :func:`install` with ``-U`` of those distributions: the same pin of
    plughost, wheel checks, plugin check and rollback. A distribution
    installed from a path or URL, or editable, is left as it is (a note says
    how to reinstall it from its source). An outcome that changed nothing
    means every one is at the newest release pip finds that fits plughost.
    """
    asked = ask((), (), ["-U", *pip_options])
    labels: list[str] = []

    def choose(target: Probe) -> None:
        chosen, skipped = _upgradable(names, target)
        asked.specs = [Spec(d.name) for d in chosen]
        asked.notes = skipped
        labels[:] = [d.label() for d in chosen]

    with Progress(out if out is not None else sys.stderr, verbosity) as progress:
        outcome = _locked_install(asked, python, progress, keep, allow_pth, "upgrade", choose)
    return outcome.as_upgrade(labels)


def _locked_install(
    asked: Asked,
    python: str,
    progress: Progress,
    keep: bool,
    allow_pth: bool,
    action: str,
    choose: Callable[[Probe], None] | None = None,
) -> InstallOutcome:
    """Check what was asked, take the lock, repair, run the install; the outcome."""
    target = probe(python)
    host = _host_version(target)
    if choose is not None:
        choose(target)  # before the lock too: a name that is wrong fails at once
    check_specs(asked, target, host)
    site = target.scheme["purelib"]
    with interruptible(), locked(site, progress) as waited:
        target = probe(python) if waited else target
        repaired = repair_interrupted(target, progress)
        target = probe(python) if repaired else target
        if choose is not None and (waited or repaired):
            # Another install ran meanwhile: choose from what is installed now.
            choose(target)
            check_specs(asked, target, host)
        for note in asked.notes:
            progress.note(note)
        if not asked.specs and not asked.editables:
            return InstallOutcome(repaired=repaired)
        run = InstallRun(
            target, host, asked, progress, keep=keep, allow_pth=allow_pth, action=action
        )
        outcome = run.run(Path(work_folder(site)))
    return outcome.with_repaired(repaired)


def _upgradable(names: Sequence[str], target: Probe) -> tuple[list[Dist], list[str]]:
    """The plugin distributions to upgrade (named, or all), and notes on those left as they are."""
    plugins = plugin_dists(dict(target.dists))
    chosen: dict[str, Dist] = {}
    for name in names:
        key = canonical_name(name)
        if key == "plughost":
            raise InstallError(
                "plughost upgrade never changes plughost itself; upgrade the host with"
                f" `{target.python} -m pip install -U plughost`"
            )
        owners = [k for k, d in plugins.items() if k == key] or [
            k for k, d in plugins.items() if name in d.plugins
        ]
        if not owners:
            if key in target.dists:
                raise InstallError(
                    f"{target.dists[key].label()} provides no plugin, and plughost upgrade"
                    " upgrades plugins: upgrade the plugin that needs it"
                )
            everything = [*plugins, *(p for d in plugins.values() for p in d.plugins)]
            raise NotInstalled(name, difflib.get_close_matches(name, everything, n=3))
        if len(owners) > 1:
            raise InstallError(
                f"plugin {name!r} is provided by"
                f" {' and '.join(plugins[k].label() for k in owners)}; name the distribution"
                f" to upgrade: plughost upgrade {plugins[owners[0]].name}"
            )
        chosen[owners[0]] = plugins[owners[0]]
    notes = []
    for key, dist in list(chosen.items() if names else plugins.items()):
        origin, _ = read_origin(dist.path)
        if origin is None:
            chosen[key] = dist
            continue
        chosen.pop(key, None)
        source = origin.path() or origin.reference()
        kind = "editable, from" if origin.editable else "from"
        again = reinstall_command(dist.name, dist.version, dist.path)
        notes.append(
            f"left {dist.label()} as it is: it was installed {kind} {source}, not from an"
            f" index; to install it again from there: {again}"
        )
    return list(chosen.values()), notes
