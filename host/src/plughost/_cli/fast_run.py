"""The console script's fast path for ``plughost run NAME COMMAND WORDS...``.

``_cli.main`` asks :func:`answer` before it builds the parser. It plans the
call from the discovery index entry of NAME alone and its check record,
with nothing of plugin code run and nothing written:

- the command line is ``run NAME COMMAND`` and words that fill COMMAND's
  required parameters in order, each a string, an integer, a number or a
  boolean (a ``Literal`` among them), read the way the full path's parser
  reads them; no word starts with ``-`` (an option, ``--``, ``--help``, a
  negative number), and no required parameter is a list;
- the policy is the default one (``fast.quiet_policy``), the index is
  current for NAME and says nothing the full path would warn about
  (``fast.quiet_entries``), NAME is compatible;
- NAME's check record matches its distribution's fingerprint, says ``ok``,
  and holds the manifest plughost recorded (``manifest_sha256``).

When all that holds, the record says what validating the class would say:
the same files were imported and validated when it was written. So the
plugin is imported, its marked methods compared with the recorded commands
(cheap, and a class that changed without its files is caught), created and
called through ``LoadedPlugin``: the same argument checks, guards, errors
and result checks as the full path, and the same output code.

Whenever the plan cannot be made, :func:`answer` returns None before any
plugin code ran, and the full path runs from the start. Once plugin code
ran, a surprise (the methods differ, the import or ``__init__`` fails)
hands over to the full path too: ``_runtime.once`` gives it the import and
the instance this path made, so the plugin is imported and created once,
and the full path validates, records and words the outcome as always.
``logging`` is configured the moment anything imports it
(``_runtime.on_import``), as the full path configures it before it starts.
"""

from __future__ import annotations

import os

from .. import ENTRY_POINT_GROUP
from .._discovery.index_data import index_entries
from .._discovery.lean import cache_dir, fingerprint, manifest_digest, read_record, record_key
from .._discovery.names import is_plugin_name
from .._runtime.on_import import when_imported
from .fast import quiet_entries, quiet_policy
from .words import word_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .._contract.manifest import CommandSpec, Manifest, TypeSpec
    from .._runtime.loaded import LoadedPlugin
    from .output import Output

__all__ = ["answer"]

#: The kinds of a required parameter a word can fill here, as the full path's parser fills it.
_SCALARS = frozenset({"string", "integer", "number", "boolean"})


class _Plan:
    """A call worked out from the index and the check record, before any plugin code runs."""

    __slots__ = ("arguments", "command", "manifest", "target")

    def __init__(
        self, target: str, manifest: Manifest, command: str, arguments: dict[str, Any]
    ) -> None:
        self.target = target
        self.manifest = manifest
        self.command = command
        self.arguments = arguments


def answer(argv: Sequence[str], out: Output) -> int | None:
    """Run ``plughost run ...`` and return its exit code, or None: the full path must run.

    Errors of the plugin's command (``CommandFailed``, a result that breaks
    its annotation) are raised as the full path raises them, for
    ``_cli.main`` to report.
    """
    try:
        plan = _plan(list(argv))
    except Exception:
        plan = None  # nothing has run yet: the full path decides
    if plan is None:
        return None
    from .._runtime.reaper import become_subreaper

    # As the full path: orphans adopted, then our stdout kept from the plugin.
    become_subreaper()
    out.reaping = True
    out.shield()
    hook = when_imported("logging", lambda: _configure_logging(out))
    try:
        plugin = _start(plan)
        if plugin is None:
            return None
        result = plugin.call(plan.command, **plan.arguments)
    finally:
        hook.remove()
    from .output import EXIT_OK, format_result

    text = format_result(result)
    if text:
        out.write(text)
    return EXIT_OK


def _configure_logging(out: Output) -> None:
    """The full path's logging configuration, onto our (shielded) stderr."""
    from .logs import configure_logging

    configure_logging(False, out.err)


def _plan(argv: list[str]) -> _Plan | None:
    if len(argv) < 3 or argv[0] != "run" or os.environ.get("PLUGHOST_NO_FAST_PATH"):
        return None
    if any(word.startswith("-") for word in argv[1:]):
        return None
    name, command, words = argv[1], argv[2], argv[3:]
    if not is_plugin_name(name) or not quiet_policy():
        return None
    cache = cache_dir()
    raw = index_entries(cache, ENTRY_POINT_GROUP, only=name)
    if raw is None or len(raw) != 1 or not quiet_entries(raw) or not raw[0]["compat"]["ok"]:
        return None
    cand = raw[0]
    data = _ok_manifest(cand, cache)
    if data is None:
        return None
    from .._contract.manifest import Manifest

    manifest = Manifest.from_dict(data)
    spec = manifest.command(command)
    arguments = None if spec is None else _arguments(spec, words)
    if spec is None or arguments is None:
        return None
    return _Plan(cand["value"], manifest, spec.name, arguments)


def _ok_manifest(cand: dict[str, Any], cache: str) -> dict[str, Any] | None:
    """The manifest in the plugin's check record if the record says ``ok`` and still holds."""
    dist = cand["dist"]
    record = read_record(cache, record_key(cand["name"], cand["value"], dist["name"], dist["path"]))
    if not isinstance(record, dict) or record.get("state") != "ok":
        return None
    manifest = record.get("manifest")
    if not isinstance(manifest, dict) or record.get("manifest_sha256") != manifest_digest(manifest):
        return None
    # No settings without a config file: the key's settings digest is "".
    made_for = fingerprint(
        dist["name"], dist["version"], dist["path"], dist["files"], cand["value"]
    )
    return manifest if record.get("fingerprint") == made_for else None


def _arguments(spec: CommandSpec, words: list[str]) -> dict[str, Any] | None:
    """The words as the full path's parser reads them into arguments, or None if unsure."""
    required = [p for p in spec.params if p.required]
    if len(words) != len(required):
        return None
    arguments: dict[str, Any] = {}
    for param, word in zip(required, words, strict=True):
        value = _value(param.type, word)
        if value is None:
            return None
        arguments[param.name] = value[0]
    return arguments


def _value(t: TypeSpec, word: str) -> tuple[Any] | None:
    """``word`` read as the manifest's parser reads it, and checked against the choices."""
    if t.kind not in _SCALARS:
        return None
    try:
        value = word_value(t.kind, word)
    except ValueError:
        return None
    if t.enum is not None and value not in list(t.enum):
        return None
    return (value,)


def _start(plan: _Plan) -> LoadedPlugin | None:
    """Import and create the plugin the plan trusts; None to hand over to the full path."""
    from .._contract.plugin import COMMAND_MARK, Plugin, command_functions
    from .._contract.untrusted import is_user_interrupt, plugin_code
    from .._policy.settings import resolve_settings
    from .._runtime.loaded import LoadedPlugin
    from .._runtime.once import create, import_target, remember

    remember()
    manifest = plan.manifest
    with plugin_code():
        try:
            cls = import_target(plan.target)
            if not (isinstance(cls, type) and issubclass(cls, Plugin)):
                return None
            methods = {
                str.__str__(getattr(func, COMMAND_MARK)): str.__str__(attr)
                for attr, func in command_functions(cls)
            }
        except BaseException as exc:
            if is_user_interrupt(exc):
                raise
            return None
        if sorted(methods) != sorted(c.name for c in manifest.commands):
            return None  # the class is not the one recorded: the full path validates it
        given, problems = resolve_settings(manifest, {})
        instance, failure, _ = create(cls, given)
        if problems or failure is not None:
            return None
    return LoadedPlugin(manifest, instance, methods)
