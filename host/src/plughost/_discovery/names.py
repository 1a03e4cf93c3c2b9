"""What a plugin name may look like.

A name from the command line or the configuration is data: it is only ever
compared with the names of discovered entry points, never imported or used
as a path. The pattern keeps out everything that could be mistaken for
something else (``:``, ``/``, whitespace, control characters) and anything
absurdly long.
"""

from __future__ import annotations

__all__ = ["NAME_RULE", "bad_name_reason", "is_plugin_name"]

#: The rule, in words, for messages and docs.
NAME_RULE = "1 to 100 letters, digits, '.', '_' and '-', starting with a letter or digit"

# Sets, not a regular expression: every `plughost list` and `run` asks, and
# compiling the pattern cost more than the checks it would make.
_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_ALLOWED = _FIRST | frozenset("._-")


def is_plugin_name(name: str) -> bool:
    """Whether ``name`` fits the rule (ASCII letters and digits only)."""
    return 0 < len(name) <= 100 and name[0] in _FIRST and _ALLOWED.issuperset(name)


def bad_name_reason(name: str, label: str) -> str:
    """Why the entry point ``name`` of the distribution ``label`` is ``invalid``."""
    return (
        f"plugin name {name!r} of {label} is not a valid name ({NAME_RULE}); its"
        " authors must rename the entry point"
    )
