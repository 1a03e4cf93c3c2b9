"""Does a plugin's distribution support this host? Decided from metadata alone."""

from __future__ import annotations

import re

from .._plain import frozen
from .lean import canonical_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .entrypoints import DistInfo

__all__ = ["Compatibility", "check_compatibility"]


@frozen
class Compatibility:
    """The outcome: ``ok``, the requirement that decided it, and a reason."""

    ok: bool
    requirement: str | None
    reason: str = ""


def check_compatibility(
    plugin: str, dist: DistInfo, host_version: str, api_version: str
) -> Compatibility:
    """Check ``dist``'s ``Requires-Dist`` on plughost against ``host_version``.

    A distribution that does not name plughost at all is taken as compatible
    (it cannot be judged; ``plughost check`` still validates it). Requirements
    guarded by an extra, or by a marker that is false here, do not count.
    """
    for text in dist.requires:
        simple = _simple(text, host_version)
        if simple is not None:
            name, supported, spec = simple
            if name != "plughost":
                continue
            if supported:
                return Compatibility(True, text)
            return _incompatible(plugin, dist, text, spec, host_version, api_version)
        from packaging.markers import UndefinedEnvironmentName
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version

        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            if canonical_name(text.split(";")[0].strip()).startswith("plughost"):
                return Compatibility(
                    False,
                    text,
                    f"plugin {plugin!r} ({dist.label()}) declares an unreadable"
                    f" requirement {text!r} ({exc}); its authors must fix"
                    " Requires-Dist in the plugin's pyproject.toml",
                )
            continue
        if canonical_name(req.name) != "plughost":
            continue
        try:
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
        except UndefinedEnvironmentName:
            continue
        try:
            supported = req.specifier.contains(Version(host_version), prereleases=True)
        except InvalidVersion:
            supported = False
        if supported:
            return Compatibility(True, text)
        return _incompatible(plugin, dist, text, str(req.specifier), host_version, api_version)
    return Compatibility(True, None)


def _incompatible(
    plugin: str, dist: DistInfo, text: str, spec: str, host_version: str, api_version: str
) -> Compatibility:
    spec = spec or "any"
    return Compatibility(
        False,
        text,
        f"plugin {plugin!r} ({dist.label()}) requires plughost{spec}, but this"
        f" is plughost {host_version} (plugin API {api_version}); install a"
        f" release of {dist.name} made for plughost {host_version}"
        f" (pip install -U {dist.name}) or a plughost that matches"
        f" (pip install 'plughost{spec}')",
    )


# A requirement of the plainest kind, `name`, `name>=1.0,<2` or `name (>=1.0)`:
# no extras, no marker, release numbers only. Most plugins declare theirs so;
# judging it by hand spares importing packaging (~10 ms) on a cold `list`.
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_CLAUSE = rf"\s*(==|!=|<=|>=|<|>)\s*({_RELEASE})\s*"
_CLAUSES = rf"(?:\s*(?:==|!=|<=|>=|<|>)\s*{_RELEASE}\s*,)*\s*(?:==|!=|<=|>=|<|>)\s*{_RELEASE}\s*"
_SIMPLE = re.compile(
    rf"\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    rf"(?:\((?P<wrapped>{_CLAUSES})\)|(?P<bare>{_CLAUSES}))?\s*"
)
_ONE = re.compile(_CLAUSE)


def _simple(text: str, host_version: str) -> tuple[str, bool, str] | None:
    """(canonical name, whether ``host_version`` fits, the specifier as packaging shows it).

    None for anything but the plainest requirement, or a host version that is
    not a plain release: packaging judges those.
    """
    match = _SIMPLE.fullmatch(text)
    if match is None or re.fullmatch(_RELEASE, host_version) is None:
        return None
    clauses = _ONE.findall(match["wrapped"] or match["bare"] or "")
    host = _release(host_version)
    fits = all(_holds(host, op, _release(version)) for op, version in clauses)
    if len({(op, _release(version)) for op, version in clauses}) < len(clauses):
        return None  # two clauses that say the same: which packaging shows is its own choice
    shown = ",".join(sorted(op + version for op, version in clauses))
    return canonical_name(match["name"]), fits, shown


def _release(version: str) -> tuple[int, ...]:
    """A release number without its trailing zeros, as PEP 440 compares them."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _holds(host: tuple[int, ...], op: str, version: tuple[int, ...]) -> bool:
    """Whether a final release ``host`` satisfies ``op version`` (PEP 440, releases only)."""
    if op == "==":
        return host == version
    if op == "!=":
        return host != version
    if op == "<=":
        return host <= version
    if op == ">=":
        return host >= version
    return host < version if op == "<" else host > version
