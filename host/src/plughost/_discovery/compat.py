"""Does a plugin's distribution support this host? Decided from metadata alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .entrypoints import DistInfo

from .._plain import frozen
from .entrypoints import canonical_name

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
    from packaging.markers import UndefinedEnvironmentName
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    for text in dist.requires:
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
        spec = str(req.specifier) or "any"
        return Compatibility(
            False,
            text,
            f"plugin {plugin!r} ({dist.label()}) requires plughost{spec}, but this"
            f" is plughost {host_version} (plugin API {api_version}); install a"
            f" release of {dist.name} made for plughost {host_version}"
            f" (pip install -U {dist.name}) or a plughost that matches"
            f" (pip install 'plughost{spec}')",
        )
    return Compatibility(True, None)
