"""Import, validate and instantiate one plugin; the same in the host and in a worker.

Everything a plugin can do wrong while loading (raise anything at import,
``SystemExit`` and ``AssertionError`` included; fail the contract; raise
while its class is examined, from a metaclass or a descriptor; raise in
``__init__``) ends in a :class:`LoadFailure` with a one-line reason. Only
the user's Ctrl-C passes through. Settings that do not fit what the plugin
declares make it ``invalid`` too, before it is created: it never sees them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._contract.manifest import Manifest
from .._contract.untrusted import describe_exception, is_user_interrupt, plugin_code
from .._contract.validation import validate_plugin_class
from .._plain import field, frozen
from .._policy.settings import resolve_settings
from .once import create, import_target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._discovery.states import PluginState

__all__ = [
    "LoadFailure",
    "Loaded",
    "describe_exception",
    "load_failure",
    "load_plugin",
]


@frozen
class Loaded:
    """A plugin instance ready to be called, with its manifest."""

    instance: Any
    manifest: Manifest
    methods: Mapping[str, str]


@frozen
class LoadFailure:
    """Why a plugin cannot be used: ``broken`` or ``invalid``, and every problem."""

    state: PluginState
    reason: str
    problems: tuple[str, ...] = field(default=())
    manifest: Manifest | None = None


_NOTHING = object()


def load_failure(
    state: str,
    reason: str,
    problems: tuple[str, ...] = (),
    manifest: Manifest | None = None,
) -> LoadFailure:
    """A :class:`LoadFailure` in ``state`` (``"broken"`` or ``"invalid"``).

    The enum's module is imported only here: a load that works (a worker's
    start, say) never needs it.
    """
    from .._discovery.states import PluginState

    return LoadFailure(PluginState(state), reason, problems, manifest)


def load_plugin(
    *,
    name: str,
    target: str | None = None,
    obj: object = _NOTHING,
    distribution: str | None = None,
    version: str | None = None,
    settings: Mapping[str, Any] | None = None,
    config: str | None = None,
) -> Loaded | LoadFailure:
    """Load plugin ``name`` from ``target`` (an entry point value) or ``obj``.

    ``settings`` are the user's, from the config file ``config`` (named in
    the messages); the instance gets them checked and completed with the
    defaults of what the plugin declares.
    """
    label = " ".join(x for x in (distribution, version) if x)
    origin = f"plugin {name!r}" + (f" ({label})" if label else "")
    fix = f"fix or reinstall {distribution or 'it'}, or uninstall it"
    with plugin_code():
        if obj is _NOTHING:
            assert target is not None
            try:
                obj = import_target(target)
            except BaseException as exc:
                if is_user_interrupt(exc):
                    raise
                return load_failure(
                    "broken",
                    f"{origin} failed to import {target}: {describe_exception(exc)}; {fix}",
                )
        try:
            validation = validate_plugin_class(
                obj, name=name, distribution=distribution, version=version
            )
        except BaseException as exc:
            if is_user_interrupt(exc):
                raise
            # Plugin code ran while the class was examined (a metaclass, a
            # descriptor, __getattr__) and raised.
            return load_failure(
                "invalid",
                f"{origin}: examining its class raised {describe_exception(exc)}; its authors"
                " must make the class and its commands plain to inspect",
            )
        if validation.manifest is None:
            return _invalid(validation.problems)
        given, problems = resolve_settings(validation.manifest, settings or {}, config=config)
        if problems:
            return _invalid(problems, validation.manifest)
        instance, failure, where = create(obj, given)
        if failure is not None:
            return load_failure(
                "broken",
                f"{origin} failed to start: {describe_exception(failure)} raised {where}; {fix}",
                manifest=validation.manifest,
            )
    return Loaded(instance, validation.manifest, validation.methods)


def _invalid(problems: tuple[str, ...], manifest: Manifest | None = None) -> LoadFailure:
    reason = problems[0]
    if len(problems) > 1:
        reason += f" (and {len(problems) - 1} more problem(s))"
    return load_failure("invalid", reason, problems, manifest)
