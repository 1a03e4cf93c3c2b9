"""The languages the greeter speaks: one greeting pattern per language.

Each language's greeting is the text before the name and the text after it,
written with that language's own punctuation and spacing (for example the
narrow no-break space French puts before ``!``, the inverted ``¡`` that opens
a Spanish exclamation, the fullwidth marks of Chinese and Japanese). The name
is placed between the two parts as it is; no language here inflects it.

Right-to-left text: when the greeting is written right to left (Arabic,
Hebrew), or the name holds a right-to-left letter, the name is wrapped in the
Unicode directional isolates FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL
ISOLATE (U+2069). The isolate lets a Latin name sit inside Arabic text (and a
Hebrew name inside English text) without the bidirectional algorithm moving
the surrounding punctuation to the wrong side. Purely left-to-right greetings
get no isolates, so they stay plain text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from plughost import CommandError

__all__ = [
    "DEFAULT_LANGUAGE",
    "FIRST_STRONG_ISOLATE",
    "LANGUAGES",
    "LANGUAGE_CODES",
    "POP_DIRECTIONAL_ISOLATE",
    "Language",
    "LanguageInfo",
    "resolve_language",
]

#: A language code the greeter knows (ISO 639-1).
Language = Literal[
    "ar", "de", "el", "en", "es", "fr", "he", "hi", "it",
    "ja", "ko", "nl", "pt", "ru", "sw", "tr", "zh",
]  # fmt: skip

#: Every language code, in the order the greeter lists them (alphabetical).
LANGUAGE_CODES: tuple[str, ...] = get_args(Language)

#: The language used when neither the call nor the settings choose one.
DEFAULT_LANGUAGE: Language = "en"

#: Opens an isolated run whose direction is that of its first strong letter.
FIRST_STRONG_ISOLATE = "\u2068"

#: Closes the run opened by :data:`FIRST_STRONG_ISOLATE`.
POP_DIRECTIONAL_ISOLATE = "\u2069"

_NNBSP = "\u202f"  # NARROW NO-BREAK SPACE, the French "espace fine insécable"
_IDEOGRAPHIC_COMMA = "\u3001"  # IDEOGRAPHIC COMMA (Japanese)
_FULLWIDTH_COMMA = "\uff0c"  # FULLWIDTH COMMA (Chinese)
_FULLWIDTH_EXCLAMATION = "\uff01"  # FULLWIDTH EXCLAMATION MARK
_RTL_CLASSES = frozenset({"R", "AL"})


@dataclass(frozen=True)
class LanguageInfo:
    """One language: its code, its names and its greeting pattern.

    ``autonym`` is the language's name in the language itself, ``english``
    its English name. The greeting is ``before + name + after``; ``rtl`` says
    whether the language is written right to left.
    """

    code: str
    autonym: str
    english: str
    before: str
    after: str
    rtl: bool = False

    def greet(self, name: str) -> str:
        """Return the greeting for ``name``, an already normalised name.

        The name is wrapped in directional isolates when the result is
        bidirectional text (see the module's documentation).
        """
        if self.rtl or _has_rtl_letter(name):
            name = f"{FIRST_STRONG_ISOLATE}{name}{POP_DIRECTIONAL_ISOLATE}"
        return f"{self.before}{name}{self.after}"


def _has_rtl_letter(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text)


_TABLE = (
    # Arabic: the vocative particle "yā" introduces the name, so no comma.
    LanguageInfo("ar", "العربية", "Arabic", "مرحبا يا ", "!", rtl=True),
    # German: the vocative is set off by a comma (Duden).
    LanguageInfo("de", "Deutsch", "German", "Hallo, ", "!"),
    # Greek: polite "Γεια σας"; Greek's exclamation mark is the Latin one.
    LanguageInfo("el", "Ελληνικά", "Greek", "Γεια σας, ", "!"),
    LanguageInfo("en", "English", "English", "Hello, ", "!"),
    # Spanish: an exclamation opens with an inverted mark.
    LanguageInfo("es", "español", "Spanish", "¡Hola, ", "!"),
    # French: a narrow no-break space before "!".
    LanguageInfo("fr", "français", "French", "Bonjour, ", f"{_NNBSP}!"),
    LanguageInfo("he", "עברית", "Hebrew", "שלום, ", "!", rtl=True),
    LanguageInfo("hi", "हिन्दी", "Hindi", "नमस्ते, ", "!"),
    LanguageInfo("it", "italiano", "Italian", "Ciao, ", "!"),
    # Japanese: name first with the honorific "san", ideographic comma and a
    # fullwidth exclamation mark, no spaces.
    LanguageInfo(
        "ja",
        "日本語",
        "Japanese",
        "",
        f"さん{_IDEOGRAPHIC_COMMA}こんにちは{_FULLWIDTH_EXCLAMATION}",
    ),
    # Korean: Western punctuation; the honorific "nim" after a person's name
    # is a separate word (Korean orthography, article 48), hence the space.
    LanguageInfo("ko", "한국어", "Korean", "안녕하세요, ", " 님!"),
    LanguageInfo("nl", "Nederlands", "Dutch", "Hallo, ", "!"),
    LanguageInfo("pt", "português", "Portuguese", "Olá, ", "!"),
    # Russian: the polite "Zdravstvuyte"; the address is set off by a comma.
    LanguageInfo("ru", "русский", "Russian", "Здравствуйте, ", "!"),
    # Swahili: "Hujambo", the opening greeting to one person ("Jambo" alone
    # is the greeting used with tourists).
    LanguageInfo("sw", "Kiswahili", "Swahili", "Hujambo, ", "!"),
    LanguageInfo("tr", "Türkçe", "Turkish", "Merhaba, ", "!"),
    # Chinese: fullwidth comma and exclamation mark, no spaces.
    LanguageInfo("zh", "中文", "Chinese", f"你好{_FULLWIDTH_COMMA}", _FULLWIDTH_EXCLAMATION),
)

#: Every language by code, in the order of :data:`LANGUAGE_CODES`.
LANGUAGES: Mapping[str, LanguageInfo] = MappingProxyType({i.code: i for i in _TABLE})


def _choices() -> str:
    return ", ".join(LANGUAGE_CODES)


def _suggestion(value: str) -> str | None:
    """A known code that ``value`` probably meant ("FR", "fr-CA", "pt_BR")."""
    guess = value.strip().lower().replace("_", "-").split("-")[0]
    return guess if guess in LANGUAGES and guess != value else None


def resolve_language(value: object, *, setting: str | None = None) -> LanguageInfo:
    """Return the language whose code is ``value``.

    Raises :class:`plughost.CommandError` listing the known codes when
    ``value`` is not one of them. ``setting`` names the configuration setting
    the value came from, so that the message points at the configuration
    rather than at the command line.
    """
    if isinstance(value, str) and value in LANGUAGES:
        return LANGUAGES[value]
    shown = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
    hint = _suggestion(value) if isinstance(value, str) else None
    did_you_mean = f" (did you mean {hint!r}?)" if hint else ""
    if setting is not None:
        raise CommandError(
            f"the {setting} setting of the greeter plugin is {shown}{did_you_mean},"
            f" which is not a known language; set {setting} under [plugins.greeter]"
            f" in the plughost configuration to one of {_choices()},"
            f" or remove it to use {DEFAULT_LANGUAGE!r}"
        )
    raise CommandError(f"unknown language {shown}{did_you_mean}; choose one of {_choices()}")
