"""The manifest: THE description of a plugin, as plain JSON-able data.

The CLI builds its arguments from it, the isolated protocol sends it in the
handshake, and a plugin in another language sends the same shape. This module
holds the data classes and their conversion to and from JSON data (strict: a
malformed manifest is a :class:`ManifestError` naming the field); the types
of their values, and the check of a value against a type, are in ``_types``.
"""

from __future__ import annotations

import re

from .._errors import ManifestError
from .._plain import field, frozen
from .jsontypes import SCALARS, TypeSpec, describe_value, json_field, json_object

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "MANIFEST_VERSION",
    "SETTING_NAME",
    "CommandSpec",
    "Manifest",
    "ParamSpec",
    "SettingSpec",
    "TypeSpec",
    "describe_value",
]

#: The version of the manifest's JSON shape.
MANIFEST_VERSION = 1

#: What a setting's name may be: a key written bare in ``[plugins.NAME]``.
SETTING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@frozen
class ParamSpec:
    """One parameter of a command.

    Required parameters become positional arguments on the command line,
    the others ``--options`` (bools ``--x/--no-x``). ``choices`` repeats the
    type's ``enum`` for readers of the manifest; ``default`` is meaningful only
    when ``required`` is false.
    """

    name: str
    type: TypeSpec
    required: bool
    default: Any = None
    help: str = ""

    @property
    def choices(self) -> tuple[str | int, ...] | None:
        """The allowed values, or None when any value of the type is allowed."""
        return self.type.enum

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this parameter."""
        return {
            "name": self.name,
            "type": self.type.to_dict(),
            "required": self.required,
            "default": self.default,
            "choices": None if self.choices is None else list(self.choices),
            "help": self.help,
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> ParamSpec:
        """Read a parameter from JSON data; ``where`` names it in errors."""
        obj = json_object(data, where)
        name = json_field(obj, "name", str, where)
        type_ = TypeSpec.from_dict(obj.get("type"), f"{where}.type")
        if type_.kind not in (*SCALARS, "array"):
            raise ManifestError(
                f"manifest field {where}.type is {type_.kind!r}, which only results"
                f" may be; parameters are one of {', '.join(SCALARS)} or array"
            )
        choices = obj.get("choices")
        if choices is not None and choices != list(type_.enum or ()):
            raise ManifestError(
                f"manifest field {where}.choices must repeat {where}.type.enum (or be null)"
            )
        required = json_field(obj, "required", bool, where)
        default = obj.get("default")
        if not required and not type_.accepts(default):
            raise ManifestError(
                f"manifest field {where}.default is {describe_value(default)};"
                f" expected {type_.describe()}"
            )
        help_ = obj.get("help", "")
        if not isinstance(help_, str):
            raise ManifestError(f"manifest field {where}.help must be a string")
        return cls(name, type_, required, default, help_)


@frozen
class SettingSpec:
    """One setting a plugin declares: its name, type, default and help.

    The user sets it in the plugin's ``[plugins.NAME]`` table of the config
    file. Every setting has a ``default`` of its type, which the plugin gets
    when the user leaves the setting out, so a declared setting always has a
    value. Its types are those of parameters.
    """

    name: str
    type: TypeSpec
    default: Any
    help: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this setting."""
        return {
            "name": self.name,
            "type": self.type.to_dict(),
            "default": self.default,
            "help": self.help,
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> SettingSpec:
        """Read a setting from JSON data; ``where`` names it in errors."""
        obj = json_object(data, where)
        name = json_field(obj, "name", str, where)
        if not SETTING_NAME.fullmatch(name):
            raise ManifestError(
                f"manifest field {where}.name is {name[:40]!r}; a setting's name starts with a"
                " letter and holds only letters, digits, '_' and '-' (64 at most)"
            )
        type_ = TypeSpec.from_dict(obj.get("type"), f"{where}.type")
        if type_.kind not in (*SCALARS, "array"):
            raise ManifestError(
                f"manifest field {where}.type is {type_.kind!r}; settings are one of"
                f" {', '.join(SCALARS)} or array"
            )
        if "default" not in obj:
            raise ManifestError(f"manifest field {where}.default is missing")
        default = obj["default"]
        if not type_.accepts(default):
            raise ManifestError(
                f"manifest field {where}.default is {describe_value(default)};"
                f" expected {type_.describe()}"
            )
        help_ = obj.get("help", "")
        if not isinstance(help_, str):
            raise ManifestError(f"manifest field {where}.help must be a string")
        return cls(name, type_, default, help_)


@frozen
class CommandSpec:
    """One command of a plugin: its name, help, parameters and result type."""

    name: str
    help: str
    params: tuple[ParamSpec, ...]
    returns: TypeSpec
    description: str = ""

    def param(self, name: str) -> ParamSpec | None:
        """Return the parameter called ``name``, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON data of this command."""
        return {
            "name": self.name,
            "help": self.help,
            "description": self.description,
            "params": [p.to_dict() for p in self.params],
            "returns": self.returns.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object, where: str) -> CommandSpec:
        """Read a command from JSON data; ``where`` names it in errors."""
        obj = json_object(data, where)
        name = json_field(obj, "name", str, where)
        help_ = json_field(obj, "help", str, where)
        description = obj.get("description", "")
        if not isinstance(description, str):
            raise ManifestError(f"manifest field {where}.description must be a string")
        raw_params = json_field(obj, "params", list, where)
        params = tuple(
            ParamSpec.from_dict(p, f"{where}.params[{i}]") for i, p in enumerate(raw_params)
        )
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise ManifestError(f"manifest field {where}.params repeats a parameter name")
        returns = TypeSpec.from_dict(obj.get("returns"), f"{where}.returns")
        return cls(name, help_, params, returns, description)


@frozen
class Manifest:
    """Everything the host knows about a plugin without running it.

    ``name`` is the plugin's name (its entry point's name), ``distribution``
    and ``version`` the distribution that provides it (None for a plugin
    given to :class:`plughost.Host` directly), ``summary`` the first line of
    the class docstring. ``settings`` is None when the plugin declares no
    settings (then every key of its config table reaches it unchecked),
    else the settings it takes (perhaps none).
    """

    name: str
    summary: str
    commands: tuple[CommandSpec, ...]
    distribution: str | None = None
    version: str | None = None
    description: str = ""
    api_version: str = field(default="1.0")
    settings: tuple[SettingSpec, ...] | None = None

    def command(self, name: str) -> CommandSpec | None:
        """Return the command called ``name``, or None."""
        for c in self.commands:
            if c.name == name:
                return c
        return None

    def setting(self, name: str) -> SettingSpec | None:
        """Return the setting called ``name``, or None."""
        for s in self.settings or ():
            if s.name == name:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as JSON data (see docs/protocol.md)."""
        data: dict[str, Any] = {
            "manifest_version": MANIFEST_VERSION,
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "api_version": self.api_version,
            "summary": self.summary,
            "description": self.description,
            "commands": [c.to_dict() for c in self.commands],
        }
        # Absent when not declared: a manifest without settings keeps the
        # shape every reader of manifest version 1 knows.
        if self.settings is not None:
            data["settings"] = [s.to_dict() for s in self.settings]
        return data

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """Read a manifest from JSON data, checking its whole shape.

        Raises :class:`ManifestError` naming the first field that is off.
        """
        obj = json_object(data, "manifest")
        version = obj.get("manifest_version")
        if type(version) is not int or version != MANIFEST_VERSION:
            raise ManifestError(
                f"manifest_version is {version!r}; this plughost reads version"
                f" {MANIFEST_VERSION}: upgrade plughost or rebuild the plugin"
            )
        name = json_field(obj, "name", str, "manifest")
        summary = json_field(obj, "summary", str, "manifest")
        description = obj.get("description", "")
        if not isinstance(description, str):
            raise ManifestError("manifest field manifest.description must be a string")
        distribution = _optional_str(obj, "distribution")
        dist_version = _optional_str(obj, "version")
        api_version = obj.get("api_version", "1.0")
        if not isinstance(api_version, str):
            raise ManifestError("manifest field manifest.api_version must be a string")
        raw = json_field(obj, "commands", list, "manifest")
        commands = tuple(CommandSpec.from_dict(c, f"commands[{i}]") for i, c in enumerate(raw))
        names = [c.name for c in commands]
        if len(set(names)) != len(names):
            raise ManifestError("manifest field manifest.commands repeats a command name")
        settings = None
        if obj.get("settings") is not None:
            raw = json_field(obj, "settings", list, "manifest")
            settings = tuple(SettingSpec.from_dict(s, f"settings[{i}]") for i, s in enumerate(raw))
            if len({s.name for s in settings}) != len(settings):
                raise ManifestError("manifest field manifest.settings repeats a setting name")
        return cls(
            name,
            summary,
            commands,
            distribution,
            dist_version,
            description,
            api_version,
            settings,
        )


def _optional_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ManifestError(f"manifest field manifest.{key} must be a string or null")
    return value
