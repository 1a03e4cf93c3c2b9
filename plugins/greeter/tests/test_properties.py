"""Properties that hold for every name, checked with hypothesis."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, event, example, given
from hypothesis import strategies as st

from plughost import CommandError
from plughost_greeter import LANGUAGE_CODES, LANGUAGES, MAX_NAME_LENGTH, Greeter

FSI = "\u2068"
PDI = "\u2069"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
REFUSED_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")
INVISIBLE_CATEGORIES = ("Cf", "Zs", "Mn", "Me")


def reference_normalise(raw: str) -> str:
    """What the documentation promises: NFC, trimmed, whitespace runs collapsed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def is_valid(raw: str) -> bool:
    if any(unicodedata.category(c) in REFUSED_CATEGORIES or c in BIDI_CONTROLS for c in raw):
        return False
    name = reference_normalise(raw)
    return 0 < len(name) <= MAX_NAME_LENGTH and any(
        unicodedata.category(c) not in INVISIBLE_CATEGORIES for c in name
    )


_allowed_chars = st.characters(
    exclude_categories=["Cc", "Cs", "Zl", "Zp"], exclude_characters=BIDI_CONTROLS
)
_spaces = st.sampled_from([" ", "  ", "\u00a0", "\u3000", "\u2003"])

#: Names the greeter must accept: any script, with spaces here and there.
valid_names = (
    st.lists(st.one_of(_allowed_chars, _spaces), min_size=1, max_size=80)
    .map("".join)
    .filter(is_valid)
)

#: Anything at all, weighted towards the characters a name may not hold.
_nasty_chars = st.one_of(
    st.characters(),
    st.characters(categories=["Cc", "Cs", "Zl", "Zp", "Cf", "Mn"]),
    st.sampled_from(BIDI_CONTROLS),
)
any_text = st.one_of(
    st.text(),
    st.text(alphabet=_nasty_chars),
    st.text(min_size=MAX_NAME_LENGTH - 2, max_size=MAX_NAME_LENGTH + 40),
)
languages = st.one_of(st.none(), st.sampled_from(LANGUAGE_CODES))


def fixed_text(code: str) -> str:
    """The characters a language's greeting adds around the name."""
    info = LANGUAGES[code]
    return info.before + info.after + FSI + PDI


@given(name=valid_names, language=languages)
@example(name="Ada", language="fr")
@example(name="  Zoe\u0308  ", language="ar")
@example(name="l", language="en")
def test_valid_name_appears_exactly_once(name: str, language: str | None) -> None:
    greeting = Greeter().greet(name, language)  # type: ignore[arg-type]
    normalised = reference_normalise(name)
    info = LANGUAGES[language or "en"]

    # The greeting is the language's pattern around the normalised name, with
    # the name isolated exactly when the text is bidirectional.
    assert greeting.startswith(info.before)
    assert greeting.endswith(info.after)
    middle = greeting[len(info.before) : len(greeting) - len(info.after)]
    if middle.startswith(FSI):
        assert middle == f"{FSI}{normalised}{PDI}"
    else:
        assert middle == normalised
        assert not info.rtl

    # Whenever the name holds a character of its own (so that it cannot be
    # mistaken for part of the pattern), it occurs exactly once.
    assume(any(c not in fixed_text(info.code) for c in normalised))
    assert greeting.count(normalised) == 1


@given(name=any_text, language=languages)
@example(name="", language=None)
@example(name="\u202eAda", language="he")
@example(name="\udc80", language="en")
def test_any_text_either_greets_or_raises_command_error(name: str, language: str | None) -> None:
    try:
        greeting = Greeter().greet(name, language)  # type: ignore[arg-type]
    except CommandError as exc:
        event("refused")
        assert str(exc)
        assert not is_valid(name)
    else:
        event("greeted")
        assert is_valid(name)
        assert isinstance(greeting, str)
        # The output holds no control character and no bidi control other
        # than the one balanced isolate the greeter adds itself.
        assert not any(unicodedata.category(c) in REFUSED_CATEGORIES for c in greeting)
        assert greeting.count(FSI) == greeting.count(PDI) <= 1
        for char in BIDI_CONTROLS.replace(FSI, "").replace(PDI, ""):
            assert char not in greeting


@given(language=st.text())
def test_any_language_value_is_a_greeting_or_a_command_error(language: str) -> None:
    try:
        greeting = Greeter().greet("Ada", language)  # type: ignore[arg-type]
    except CommandError as exc:
        assert language not in LANGUAGE_CODES
        assert ", ".join(LANGUAGE_CODES) in str(exc)
    else:
        assert language in LANGUAGE_CODES
        assert "Ada" in greeting


@given(setting=st.one_of(st.text(), st.integers(), st.none(), st.sampled_from(LANGUAGE_CODES)))
def test_any_setting_is_a_greeting_or_a_command_error(setting: object) -> None:
    greeter = Greeter()
    greeter.settings = {"default_language": setting}
    try:
        greeting = greeter.greet("Ada")
    except CommandError as exc:
        assert setting not in LANGUAGE_CODES
        assert "default_language" in str(exc)
    else:
        assert setting is None or setting in LANGUAGE_CODES
        assert greeting == LANGUAGES[setting if isinstance(setting, str) else "en"].greet("Ada")
