"""``plughost config``: where the policy comes from and what it makes of each setting."""

from __future__ import annotations

import argparse
import os

from .._terminal import dumps, one_line, show_value
from .context import policy_from
from .output import EXIT_OK, Output

__all__ = ["config_command"]


def config_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost config``: the config file, the cache and every effective setting."""
    from .._discovery.records import default_cache_dir
    from .._policy.config import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT, PluginPolicy

    policy = policy_from(args)
    if args.what == "path":
        out.json(str(policy.path), indent=None) if out.as_json else out.write(str(policy.path))
        return EXIT_OK
    cache = default_cache_dir()
    builtin = "built-in default"

    def source(key: str) -> str:
        return policy.sources.get(key, builtin)

    def names(values: frozenset[str]) -> str:
        return ", ".join(sorted(values)) or "none"

    seconds = {
        "timeout": policy.timeout or DEFAULT_CALL_TIMEOUT,
        "start_timeout": policy.start_timeout or DEFAULT_START_TIMEOUT,
    }
    rows: list[tuple[str, str, object, str]] = [
        (
            "allow",
            "all distributions" if policy.allow is None else names(policy.allow),
            None if policy.allow is None else sorted(policy.allow),
            source("allow"),
        ),
        ("disable", names(policy.disable), sorted(policy.disable), source("disable")),
        ("isolate", names(policy.isolate), sorted(policy.isolate), source("isolate")),
        ("verify", show_value(policy.verify), policy.verify, source("verify")),
        *((k, f"{v:g} s", v, source(k)) for k, v in seconds.items()),
    ]
    cache_source = "PLUGHOST_CACHE_DIR" if os.environ.get("PLUGHOST_CACHE_DIR") else builtin
    if out.as_json:
        data = policy.to_dict()
        data["cache_dir"] = {"path": str(cache), "source": cache_source}
        data["effective"] = {k: {"value": v, "source": src} for k, _, v, src in rows}
        out.json(data)
        return EXIT_OK
    state = "" if policy.file_exists else " (does not exist; built-in defaults apply)"
    out.write(f"config file:     {policy.path}{state}")
    out.write(f"cache directory: {cache}  ({cache_source})")
    for key, shown, _, src in rows:
        out.write(f"{key + ':':<17}{one_line(shown)}  ({src})")
    defaults = PluginPolicy().to_dict()
    for name, plugin in sorted(policy.plugins.items()):
        out.write(f"[plugins.{name}]")
        for key, value in plugin.to_dict().items():
            if key == "settings":
                for k, v in value.items():
                    out.write(f"  {k} = {dumps(v)}  (for the plugin)")
            elif value != defaults[key]:
                out.write(f"  {key} = {dumps(value)}")
    return EXIT_OK
