"""Test a plughost plugin the way users will run it: ``plughost.testing``.

A conformance check in one class. Subclass :class:`PluginConformance` in your
plugin's tests, name your plugin and give sample calls::

    from plughost.testing import PluginConformance, Sample

    class TestGreeterConformance(PluginConformance):
        plugin = "greeter"
        samples = [Sample("greet", {"name": "Ada"}, "Hello, Ada!")]

pytest then checks, through the plugin's real installed entry point in
``plughost.plugins`` (so install your distribution first, ``pip install -e .``
will do):

- the plugin is found, with the distribution it comes from;
- its state is ``ok``, reporting every validation problem otherwise;
- its manifest survives a round trip through JSON unchanged (the settings
  it declares included);
- each sample call gives the expected result in this process, and in a
  worker process (isolated), with the same result both ways; a sample may
  give the plugin settings, as a user's ``[plugins.NAME]`` table would,
  and they are checked against the plugin's declaration as the user's are.

This module is also registered as a pytest plugin (the ``pytest11`` entry
point ``plughost``), which only makes the fixture ``plughost_host`` available:
it adds no hook and no autouse fixture, so it changes nothing in a test suite
that does not use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ._plain import field, frozen

if TYPE_CHECKING:
    from ._host import Host

__all__ = ["PluginConformance", "Sample", "check_plugin", "plughost_host"]

try:
    import pytest
except ImportError:  # pragma: no cover - the module is meant for pytest
    pytest = None  # type: ignore[assignment]


@frozen
class Sample:
    """A sample call: ``command`` with ``arguments`` must return ``expected``.

    With ``error`` set instead, the call must fail with a
    :class:`plughost.CommandFailed` whose message contains ``error``.
    ``settings`` are the plugin's settings for the call, as the user's
    config file would give them (the declared defaults fill in the rest).
    """

    command: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    expected: Any = None
    error: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


class ConformanceError(AssertionError):
    """A plugin does not conform; the message says what and how to fix it."""


def _host(name: str = "", settings: Mapping[str, Any] | None = None) -> Host:
    from ._host import Host

    if not settings:
        return Host(remember=False)
    from ._policy.config import PluginPolicy, Policy

    policy = Policy(plugins={name: PluginPolicy(settings=dict(settings))})
    return Host(remember=False, policy=policy)


def _describe(sample: Sample) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in sample.arguments.items())
    given = f" with settings {dict(sample.settings)!r}" if sample.settings else ""
    return f"{sample.command}({args}){given}"


def _run(handle: Any, sample: Sample, where: str, plugin: str) -> Any:
    from ._errors import CommandFailed, PlughostError

    try:
        value = handle.call(sample.command, **sample.arguments)
    except CommandFailed as exc:
        if sample.error is not None and sample.error in str(exc):
            return ("error", sample.error)
        raise ConformanceError(
            f"plugin {plugin!r} {where}: {_describe(sample)} failed: {exc}"
        ) from None
    except PlughostError as exc:
        raise ConformanceError(
            f"plugin {plugin!r} {where}: {_describe(sample)} was refused: {exc}"
        ) from None
    if sample.error is not None:
        raise ConformanceError(
            f"plugin {plugin!r} {where}: {_describe(sample)} returned {value!r}; expected it"
            f" to fail with {sample.error!r}"
        )
    if value != sample.expected:
        raise ConformanceError(
            f"plugin {plugin!r} {where}: {_describe(sample)} returned {value!r}; expected"
            f" {sample.expected!r}"
        )
    return value


def check_plugin(
    name: str, samples: Sequence[Sample] = (), *, isolated: bool = True, host: Host | None = None
) -> None:
    """Run the whole conformance check for installed plugin ``name``.

    Raises :class:`ConformanceError` (an ``AssertionError``) with a precise
    message at the first thing that does not conform.
    """
    host = host or _host()
    check_found(name, host)
    check_ok(name, host)
    check_manifest_round_trip(name, host)
    check_samples(name, samples, isolated=isolated, host=host)


def check_found(name: str, host: Host | None = None) -> None:
    """The plugin is registered in ``plughost.plugins`` by an installed distribution."""
    from ._errors import PluginNotFound

    host = host or _host()
    try:
        info = host.info(name)
    except PluginNotFound as exc:
        raise ConformanceError(
            f"{exc} (install the plugin's distribution in the test environment with"
            ' pip install -e ., and check its [project.entry-points."plughost.plugins"]'
            " table)"
        ) from None
    if info.distribution is None and info.state.value != "conflict":
        raise ConformanceError(f"plugin {name!r} is not provided by an installed distribution")


def check_ok(name: str, host: Host | None = None) -> None:
    """Importing and validating the plugin gives ``ok``; otherwise every problem is listed."""
    host = host or _host()
    [info] = host.check([name])
    if info.state.value != "ok":
        problems = info.problems or (info.reason,)
        raise ConformanceError(
            f"plugin {name!r} is {info.state.value}, not ok:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def check_manifest_round_trip(name: str, host: Host | None = None) -> None:
    """The manifest survives JSON (as it must to cross to a worker) unchanged."""
    from ._contract.manifest import Manifest

    host = host or _host()
    with host.load(name, isolated=False) as plugin:
        data = plugin.manifest.to_dict()
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConformanceError(
            f"plugin {name!r}: its manifest is not JSON data ({exc}); use only JSON values"
            " (str, int, float, bool, lists, None) as parameter defaults"
        ) from None
    again = Manifest.from_dict(json.loads(text))
    if again.to_dict() != data:
        raise ConformanceError(
            f"plugin {name!r}: its manifest changes in a round trip through JSON; make its"
            " defaults plain JSON values"
        )


def check_samples(
    name: str, samples: Sequence[Sample], *, isolated: bool = True, host: Host | None = None
) -> None:
    """Each sample gives the expected result in process, and isolated, the same both ways.

    Every sample is run, and every one that fails is reported, in one error.
    """
    if not samples:
        return
    failures: list[str] = []
    here = _results(name, samples, False, host, failures)
    there = _results(name, samples, True, host, failures) if isolated else here
    for sample, a, b in zip(samples, here, there, strict=True):
        if a is not _FAILED and b is not _FAILED and a != b:
            failures.append(
                f"plugin {name!r}: {_describe(sample)} returned {a!r} in process but {b!r}"
                " isolated; results must be plain JSON values"
            )
    if len(failures) == 1:
        raise ConformanceError(failures[0])
    if failures:
        raise ConformanceError(
            f"{len(failures)} samples of plugin {name!r} failed:\n"
            + "\n".join(f"  - {f}" for f in failures)
        )


_FAILED = object()


def _results(
    name: str, samples: Sequence[Sample], isolated: bool, host: Host | None, failures: list[str]
) -> list[Any]:
    """The samples' results, in order, failures noted; samples of one settings share a load."""
    from ._errors import PluginUnavailable

    where = "isolated" if isolated else "in process"
    results: dict[int, Any] = {}
    groups: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        groups.setdefault(json.dumps(dict(sample.settings), sort_keys=True), []).append(i)
    for indexes in groups.values():
        settings = samples[indexes[0]].settings
        chosen = _host(name, settings) if settings else host or _host()
        try:
            plugin = chosen.load(name, isolated=isolated)
        except PluginUnavailable as exc:
            raise ConformanceError(
                f"plugin {name!r} {where}: cannot be loaded for {_describe(samples[indexes[0]])}:"
                f" {exc}"
            ) from None
        with plugin:
            for i in indexes:
                try:
                    results[i] = _run(plugin, samples[i], where, name)
                except ConformanceError as exc:
                    failures.append(str(exc))
                    results[i] = _FAILED
    return [results[i] for i in range(len(samples))]


class PluginConformance:
    """Subclass as ``TestSomething(PluginConformance)`` to check one plugin.

    Set ``plugin`` to the plugin's name and ``samples`` to a list of
    :class:`Sample`; set ``isolated = False`` to skip the isolated runs.
    """

    plugin: ClassVar[str] = ""
    samples: ClassVar[Sequence[Sample]] = ()
    isolated: ClassVar[bool] = True

    def _name(self) -> str:
        if not self.plugin:
            raise ConformanceError(
                f"{type(self).__name__} does not say which plugin to check; set"
                ' plugin = "NAME" in the class'
            )
        return self.plugin

    def test_found_through_its_entry_point(self) -> None:
        """The plugin is registered by an installed distribution."""
        check_found(self._name())

    def test_state_is_ok(self) -> None:
        """The plugin imports, validates and starts."""
        check_ok(self._name())

    def test_manifest_round_trips_through_json(self) -> None:
        """The manifest is plain JSON data."""
        check_ok(self._name())
        check_manifest_round_trip(self._name())

    def test_samples(self) -> None:
        """Each sample gives its expected result, in process and isolated alike."""
        check_ok(self._name())
        check_samples(self._name(), self.samples, isolated=self.isolated)


if pytest is not None:

    @pytest.fixture
    def plughost_host() -> Iterator[Host]:
        """A :class:`plughost.Host` over the installed plugins, with no check records."""
        yield _host()
