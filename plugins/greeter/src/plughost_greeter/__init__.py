"""plughost-greeter: a plughost plugin that greets people in their own language.

The plugin registers as ``greeter`` in the ``plughost.plugins`` entry-point
group; the host runs it as ``plughost run greeter greet Ada --language fr``.
From Python, use the class directly::

    >>> from plughost_greeter import Greeter
    >>> Greeter().greet("Ada", "de")
    'Hallo, Ada!'
"""

from __future__ import annotations

from plughost import Plugin, command

from ._languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    LANGUAGES,
    Language,
    LanguageInfo,
    resolve_language,
)
from ._names import MAX_NAME_LENGTH, normalize_name

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_CODES",
    "MAX_NAME_LENGTH",
    "Greeter",
    "Language",
    "LanguageInfo",
    "normalize_name",
]

#: The setting (under ``[plugins.greeter]``) that chooses the default language.
_DEFAULT_LANGUAGE_SETTING = "default_language"


class Greeter(Plugin):
    """Greet people in their own language.

    Each language's greeting follows that language's own word order and
    punctuation. The default_language setting chooses the language used
    when a call does not name one (en when it is not set).
    """

    class Settings:
        """What ``[plugins.greeter]`` in the plughost configuration may set."""

        default_language: Language = DEFAULT_LANGUAGE
        """The language used when a call does not name one."""

    @command
    def greet(self, name: str, language: Language | None = None) -> str:
        """Return a greeting for NAME in the chosen language.

        The name is normalised first (Unicode NFC, trimmed, inner runs of
        whitespace collapsed to one space) and must then hold 1 to 200
        characters, counted in Unicode code points, on a single line.

        Args:
            name: who to greet, in any script (for example Ada, Zoë or 李雷).
            language: the language of the greeting, as a code listed by the
                languages command; defaults to the default_language setting,
                or en when it is not set.
        """
        cleaned = normalize_name(name)
        info = self._default_language() if language is None else resolve_language(language)
        return info.greet(cleaned)

    @command
    def languages(self) -> dict[str, str]:
        """List the language codes, each with the language's name in itself."""
        return {code: info.autonym for code, info in LANGUAGES.items()}

    def _default_language(self) -> LanguageInfo:
        """The language chosen by the settings, or the built-in default.

        plughost checks the setting against the declaration before the
        greeter starts and fills in the default; a greeter used directly
        from Python may have been given anything (or nothing), so the value
        is checked here again.
        """
        configured = self.settings.get(_DEFAULT_LANGUAGE_SETTING)
        if configured is None:
            return LANGUAGES[DEFAULT_LANGUAGE]
        return resolve_language(configured, setting=_DEFAULT_LANGUAGE_SETTING)
