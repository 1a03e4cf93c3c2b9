"""What an install was asked for: specs, requirements files, pip options, and their checks.

Specs come from the command line and from requirements files
(:mod:`plughost._manage.requirements`), and all go through the same checks before
anything runs (:func:`check_specs`):

- plughost itself is never installed, upgraded or downgraded: a spec naming
  it is refused, except a line of a requirements file that the running
  plughost already satisfies (``plughost>=1.0`` in a file written for a whole
  environment), which is left out, with a note;
- a plugin's name where a distribution's is expected is refused with the
  distribution to give instead;
- a line of a file that is neither a requirement, nor a path, nor a URL is
  refused with its file and line (pip would name plughost's copy of it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .._discovery.entrypoints import canonical_name
from .children import InstallError, Probe, redact
from .requirements import Spec, read_requirements

__all__ = ["INDEX_OPTIONS", "PIP_OPTIONS", "Asked", "args", "ask", "check_specs"]

#: The pip options ``install`` passes through, each with whether it takes a value.
PIP_OPTIONS: Mapping[str, bool] = {
    **dict.fromkeys(("-U", "--upgrade", "--pre", "--no-index", "--force-reinstall"), False),
    **dict.fromkeys(("-e", "--editable", "-i", "--index-url", "--extra-index-url"), True),
    **dict.fromkeys(("-f", "--find-links"), True),
}
#: The options that say where pip looks for packages (given to every pip run).
INDEX_OPTIONS = ("--no-index", "-i", "--index-url", "--extra-index-url", "-f", "--find-links")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


@dataclass
class Asked:
    """Everything one install was asked for, gathered from the command line and files.

    ``specs`` are the requirements (a file's with their origin and hashes),
    ``editables`` the project folders for ``-e``, ``options`` the pip options
    (long or short names as given) and ``notes`` what to tell the user first
    (an index a file chose, a line left out).
    """

    specs: list[Spec] = field(default_factory=list)
    editables: list[str] = field(default_factory=list)
    options: list[tuple[str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The specs and editables for messages, the first few."""
        shown = [s.text for s in self.specs] + [f"-e {e}" for e in self.editables]
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        return redact(" ".join(shown[:3]) + more)

    @property
    def from_files(self) -> list[Spec]:
        """The requirements that come from requirements files."""
        return [s for s in self.specs if s.origin]


def ask(specs: Sequence[str], requirements: Sequence[str], pip_options: Sequence[str]) -> Asked:
    """Gather what was asked for; refuse options plughost does not pass, and bad files."""
    asked = Asked(specs=[Spec(s) for s in specs])
    asked.options = _pip_options(pip_options)
    asked.editables = [v for f, v in asked.options if f in ("-e", "--editable") and v]
    asked.options = [(f, v) for f, v in asked.options if f not in ("-e", "--editable")]
    found = read_requirements(requirements)
    asked.specs += found.specs
    asked.editables += [e.text for e in found.editables]
    for option, value, origin in found.options:
        asked.options.append((option, value))
        if option in ("--index-url", "--extra-index-url", "--find-links") and value:
            asked.notes.append(f"{origin}: {option} {redact(value)} (from the requirements file)")
    return asked


def _pip_options(options: Sequence[str]) -> list[tuple[str, str | None]]:
    result: list[tuple[str, str | None]] = []
    items = iter(options)
    for option in items:
        flag, eq, inline = option.partition("=")
        takes_value = PIP_OPTIONS.get(flag)
        if takes_value is None:
            raise InstallError(
                f"plughost install does not pass {option!r} to pip, only"
                f" {', '.join(PIP_OPTIONS)}; for anything else run `python -m pip` yourself"
            )
        if not takes_value:
            result.append((flag, None))
            continue
        value = inline if eq else next(items, None)
        if value is None:
            raise InstallError(f"pip option {flag} needs a value; give it after {flag}")
        result.append((flag, value))
    return result


def args(options: Sequence[tuple[str, str | None]], *, keep: Sequence[str] = ()) -> list[str]:
    """The pip arguments of ``options`` (only the flags in ``keep``, when given)."""
    chosen = [(f, v) for f, v in options if not keep or f in keep]
    return [a for f, v in chosen for a in ((f,) if v is None else (f, v))]


def check_specs(asked: Asked, before: Probe, host: str) -> None:
    """Refuse specs naming plughost or a plugin; leave out file lines plughost satisfies."""
    from packaging.requirements import InvalidRequirement, Requirement

    owners = {canonical_name(p): d for d in before.dists.values() for p in d.plugins}
    kept: list[Spec] = []
    for spec in asked.specs:
        where, text = spec.where(), spec.text
        if text.startswith("-"):
            raise InstallError(f"{text!r} is not a distribution; pass pip options as options")
        if _is_reference(text):
            if spec.origin and _URL.match(text) is None and _looks_like_a_path(text):
                raise InstallError(
                    f"{where}{text!r} looks like a path, but there is no such file or folder"
                    f" (a path in a requirements file is read from the current folder,"
                    f" {os.getcwd()}, as pip reads it); nothing was changed: fix the line"
                )
            kept.append(spec)
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            if not spec.origin:
                kept.append(spec)  # pip explains it
                continue
            why = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
            raise InstallError(
                f"{where}{text!r} is not a requirement ({why}); nothing was changed: fix the line"
            ) from None
        name = canonical_name(req.name)
        if name == "plughost":
            if spec.origin and _satisfied(req, host):
                asked.notes.append(f"{where}{text} is the running plughost {host}: left as it is")
                continue
            raise InstallError(
                f"{where}plughost install never changes plughost itself (it stays at {host});"
                f" upgrade the host with `{before.python} -m pip install -U plughost`"
                + (", or remove the line" if spec.origin else "")
            )
        if name not in before.dists and name in owners:
            raise InstallError(
                f"{where}{text!r} is the name of a plugin, not of a distribution: it comes from"
                f" {owners[name].label()}; to upgrade it: plughost install -U {owners[name].name}"
            )
        kept.append(spec)
    asked.specs = kept


def _is_reference(text: str) -> bool:
    """A path or URL (pip takes those too), not a requirement by name."""
    if _URL.match(text) or os.path.exists(text) or text.lower().endswith(_ARCHIVES):
        return True
    return "@" not in text and ("/" in text or os.sep in text or text.startswith("."))


def _looks_like_a_path(text: str) -> bool:
    """A path that does not exist (pip would say the same, naming plughost's copy)."""
    path = text.split("[", 1)[0].split(";", 1)[0].strip()  # extras and markers aside
    return not os.path.exists(path)


def _satisfied(req: object, host: str) -> bool:
    """Whether the running plughost ``host`` satisfies the requirement ``req``, as it is."""
    from packaging.requirements import Requirement

    assert isinstance(req, Requirement)
    if req.marker is not None and not req.marker.evaluate():
        return True  # not meant for this environment: pip leaves it out too
    return not req.url and not req.extras and req.specifier.contains(host, prereleases=True)
