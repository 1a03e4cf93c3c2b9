"""The user's policy: which plugins may load, and how they run.

Settings come from three places, and for each setting the first that speaks
wins: command-line flags, then environment variables, then the TOML file
(``PLUGHOST_CONFIG``, else ``plughost/config.toml`` in the user's config
directory). Everything read is checked: a malformed file, a value of the
wrong type or a name that cannot be a plugin's is a :class:`ConfigError`
naming the file, the key and the fix; an unknown key is a warning.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._contract.reserved import HOST_PLUGIN_KEYS
from .._discovery.lean import NotARegularFile, config_path, read_bounded
from .._discovery.names import NAME_RULE, is_plugin_name
from .._errors import PlughostError
from .._plain import field, frozen

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "HOST_PLUGIN_KEYS",
    "ConfigError",
    "PluginPolicy",
    "Policy",
    "default_config_path",
    "load_policy",
    "settings_digest",
]

#: The largest config file read, in bytes.
_LIMIT = 1 << 20
#: Seconds a worker has to start and complete the handshake.
DEFAULT_START_TIMEOUT = 20.0
#: Seconds an isolated call may take before it is cancelled and fails.
DEFAULT_CALL_TIMEOUT = 300.0

_HOST_KEYS = {"allow", "disable", "isolate", "verify", "timeout", "start_timeout", "plugins"}


class ConfigError(PlughostError):
    """The configuration (file or environment) cannot be used.

    The message names the file or variable, the key, and the fix.
    """


def default_config_path() -> Path:
    """``PLUGHOST_CONFIG``, else the platform's user config directory."""
    return Path(config_path())


@frozen
class PluginPolicy:
    """What ``[plugins.NAME]`` says about one plugin.

    ``runtime`` names the way the plugin runs (``"in-process"``,
    ``"worker"``, ``"executable"``, or another registered runtime); unset,
    the host chooses from ``isolate``, ``python`` and ``command``.
    ``settings`` holds every key that is not one of the host's own
    (``distribution``, ``enabled``, ``isolate``, ``python``, ``command``,
    ``runtime``, ``timeout``, ``start_timeout``), as written: they are checked against
    the settings the plugin declares when it loads, and then reach it as
    ``self.settings``.
    """

    distribution: str | None = None
    enabled: bool = True
    isolate: bool = False
    python: str | None = None
    command: tuple[str, ...] | None = None
    runtime: str | None = None
    timeout: float | None = None
    start_timeout: float | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON data, as ``plughost config --json`` prints it."""
        return {
            "distribution": self.distribution,
            "enabled": self.enabled,
            "isolate": self.isolate,
            "python": self.python,
            "command": None if self.command is None else list(self.command),
            "runtime": self.runtime,
            "timeout": self.timeout,
            "start_timeout": self.start_timeout,
            "settings": dict(self.settings),
        }


@frozen
class Policy:
    """The effective settings, each with where it came from.

    ``allow`` is None when every distribution may load, else the set of
    (canonical) distribution names that may. ``sources`` maps each setting to
    ``"--no-plugins"``, the environment variable or the file it came from, or
    ``"default"``.
    """

    path: Path | None = None
    file_exists: bool = False
    allow: frozenset[str] | None = None
    disable: frozenset[str] = frozenset()
    isolate: frozenset[str] = frozenset()
    verify: bool = False
    timeout: float | None = None
    start_timeout: float | None = None
    plugins: Mapping[str, PluginPolicy] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def plugin(self, name: str) -> PluginPolicy:
        """The ``[plugins.NAME]`` settings of ``name`` (defaults if none)."""
        return self.plugins.get(name) or PluginPolicy()

    def to_dict(self) -> dict[str, Any]:
        """JSON data, as ``plughost config --json`` prints it."""
        return {
            "file": None if self.path is None else str(self.path),
            "file_exists": self.file_exists,
            "allow": None if self.allow is None else sorted(self.allow),
            "disable": sorted(self.disable),
            "isolate": sorted(self.isolate),
            "verify": self.verify,
            "timeout": self.timeout,
            "start_timeout": self.start_timeout,
            "plugins": {k: v.to_dict() for k, v in sorted(self.plugins.items())},
            "sources": dict(self.sources),
            "warnings": list(self.warnings),
        }


def settings_digest(values: Mapping[str, Any]) -> str:
    """A short digest of the user's settings for a plugin ("" for none).

    A check's outcome depends on the settings as well as on the plugin's
    files, so its record holds only while both stay the same.
    """
    if not values:
        return ""
    import hashlib

    text = repr(sorted(values.items(), key=lambda item: item[0]))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _split(value: str) -> list[str]:
    """A comma-separated list; spaces and empty items are tolerated."""
    return [item.strip() for item in value.split(",") if item.strip()]


class _Reader:
    """Checks the values of one configuration file, naming the file in errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"config file {self.path}: {key} {problem}; {fix}")

    def names(self, data: Mapping[str, Any], key: str, *, plugin_names: bool) -> list[str]:
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings", f'write it as {key} = ["a", "b"]')
        if plugin_names:
            for v in value:
                if not is_plugin_name(v):
                    raise self.fail(key, f"holds {v!r}, which is not a plugin name", _NAME_FIX)
        return [v.strip() for v in value if v.strip()]

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data[key]
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, not {value!r}", "fix its value")
        return value

    def seconds(self, data: Mapping[str, Any], key: str, where: str) -> float:
        value = data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise self.fail(
                where, f"must be a positive number of seconds, not {value!r}", "fix its value"
            )
        return float(value)

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty string, not {value!r}", "fix its value")
        return value.strip()

    def plugin(self, name: str, data: object) -> PluginPolicy:
        where = f"[plugins.{name}]" if is_plugin_name(name) else f"[plugins.{name!r}]"
        if not is_plugin_name(name):
            raise self.fail(where, "is not a plugin name", _NAME_FIX)
        if not isinstance(data, dict):
            raise self.fail(f"plugins.{name}", "must be a table", f"write it as [plugins.{name}]")
        values: dict[str, Any] = {}
        for key in ("enabled", "isolate"):
            if key in data:
                values[key] = self.flag(data, key, f"plugins.{name}.{key}")
        for key in ("timeout", "start_timeout"):
            if key in data:
                values[key] = self.seconds(data, key, f"plugins.{name}.{key}")
        for key in ("distribution", "python", "runtime"):
            if key in data:
                values[key] = self.text(data, key, f"plugins.{name}.{key}")
        if "command" in data:
            command = data["command"]
            if (
                not isinstance(command, list)
                or not command
                or not all(isinstance(c, str) and c for c in command)
            ):
                raise self.fail(
                    f"plugins.{name}.command",
                    "must be a non-empty list of strings",
                    'write it as command = ["program", "argument"]',
                )
            values["command"] = tuple(command)
        if "python" in values and "command" in values:
            raise self.fail(where, "sets both python and command", "keep one of them")
        if values.get("runtime") == "in-process":
            elsewhere = [k for k in ("isolate", "python", "command") if values.get(k)]
            if elsewhere:
                raise self.fail(
                    where,
                    f'sets runtime = "in-process" and {elsewhere[0]}, which runs it elsewhere',
                    "keep one of them",
                )
        settings = {k: v for k, v in data.items() if k not in HOST_PLUGIN_KEYS}
        for key, value in settings.items():
            _check_setting(self, f"plugins.{name}.{key}", value)
        return PluginPolicy(settings=settings, **values)


_NAME_FIX = f"plugin names are {NAME_RULE}"


def _check_setting(reader: _Reader, where: str, value: object, depth: int = 0) -> None:
    """Settings cross to workers as JSON: refuse TOML dates and times."""
    if depth > 32:
        raise reader.fail(where, "nests too deeply", "flatten it")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_setting(reader, f"{where}.{k}", v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_setting(reader, where, v, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise reader.fail(where, "is not a finite number", "use a finite number")
    elif not isinstance(value, str | int | float | bool):
        raise reader.fail(
            where,
            f"is a {type(value).__name__}, which plugins cannot receive",
            "write it as a string",
        )


def _read_file(path: Path, *, explicit: bool) -> tuple[dict[str, Any], bool]:
    try:
        raw = read_bounded(path, _LIMIT)
    except FileNotFoundError:
        return {}, False
    except NotARegularFile as exc:
        fix = "point PLUGHOST_CONFIG at a TOML file" if explicit else "put a TOML file there"
        raise ConfigError(f"config file {path}: {exc}; {fix}") from None
    except OSError as exc:
        raise ConfigError(
            f"config file {path}: cannot be read ({exc.strerror or exc}); fix its permissions"
            " or point PLUGHOST_CONFIG elsewhere"
        ) from None
    if not raw.strip():
        return {}, True  # an empty file says nothing: no parser needed
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8")), True
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path}: is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: is not valid TOML ({exc}); fix that line") from None
    except RecursionError:
        raise ConfigError(
            f"config file {path}: nests tables or arrays too deeply to read; flatten it"
        ) from None


def load_policy(
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    no_plugins: bool = False,
) -> Policy:
    """Read the file and the environment and combine them with the flags.

    ``path`` defaults to :func:`default_config_path`; a missing file is no
    error unless ``PLUGHOST_CONFIG`` names it.
    """
    env = os.environ if environ is None else environ
    if path is None:
        explicit = env.get("PLUGHOST_CONFIG")
        path = Path(explicit) if explicit else default_config_path()
    data, exists = _read_file(path, explicit=bool(env.get("PLUGHOST_CONFIG")))
    if not exists and env.get("PLUGHOST_CONFIG"):
        raise ConfigError(
            f"PLUGHOST_CONFIG names {path}, which does not exist; create it or unset"
            " PLUGHOST_CONFIG"
        )
    reader = _Reader(path)
    where = f"file {path}"
    sources: dict[str, str] = {}
    for key in sorted(set(data) - _HOST_KEYS):
        reader.warnings.append(
            f"config file {path}: unknown key {key!r} is ignored; the keys are"
            f" {', '.join(sorted(_HOST_KEYS))}"
        )
    for key in ("allow", "disable", "isolate", "verify", "timeout", "start_timeout"):
        if key in data:
            sources[key] = where
    allow: frozenset[str] | None = None
    if "allow" in data:
        allow = frozenset(_canonical(n) for n in reader.names(data, "allow", plugin_names=False))
    disable, isolate = frozenset[str](), frozenset[str]()
    if "disable" in data:
        disable = frozenset(reader.names(data, "disable", plugin_names=True))
    if "isolate" in data:
        isolate = frozenset(reader.names(data, "isolate", plugin_names=False))
    verify = reader.flag(data, "verify", "verify") if "verify" in data else False
    timeout = reader.seconds(data, "timeout", "timeout") if "timeout" in data else None
    start = None
    if "start_timeout" in data:
        start = reader.seconds(data, "start_timeout", "start_timeout")
    raw_plugins = data.get("plugins", {})
    if not isinstance(raw_plugins, dict):
        raise reader.fail("plugins", "must be a table of tables", "write [plugins.NAME] sections")
    plugins = {name: reader.plugin(name, value) for name, value in raw_plugins.items()}

    if "PLUGHOST_PLUGINS" in env:
        allow = frozenset(_canonical(n) for n in _split(env["PLUGHOST_PLUGINS"]))
        sources["allow"] = "PLUGHOST_PLUGINS"
    if "PLUGHOST_DISABLE" in env:
        names = _split(env["PLUGHOST_DISABLE"])
        for n in names:
            if not is_plugin_name(n):
                raise ConfigError(
                    f"PLUGHOST_DISABLE holds {n[:40]!r}, which is not a plugin name; {_NAME_FIX}"
                )
        disable = frozenset(names)
        sources["disable"] = "PLUGHOST_DISABLE"
    if "PLUGHOST_ISOLATE" in env:
        isolate = frozenset(_split(env["PLUGHOST_ISOLATE"]))
        sources["isolate"] = "PLUGHOST_ISOLATE"
    if no_plugins:
        allow = frozenset()
        sources["allow"] = "--no-plugins"
    return Policy(
        path=path,
        file_exists=exists,
        allow=allow,
        disable=disable,
        isolate=isolate,
        verify=verify,
        timeout=timeout,
        start_timeout=start,
        plugins=plugins,
        sources=sources,
        warnings=tuple(reader.warnings),
    )


def _canonical(name: str) -> str:
    from .._discovery.entrypoints import canonical_name

    return canonical_name(name)
