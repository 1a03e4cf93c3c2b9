"""Properties that hold for every name, checked with hypothesis."""

from __future__ import annotations

import unicodedata

import pytest
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


def refusal(raw: str) -> str | None:
    """How the greeter's message for ``raw`` begins, from the documented
    rules in their documented order; None for a name it must greet."""
    for position, char in enumerate(raw, start=1):
        if unicodedata.category(char) in REFUSED_CATEGORIES or char in BIDI_CONTROLS:
            return f"the name contains {char_label(char)} at character {position};"
    name = reference_normalise(raw)
    if not name:
        return "the name is empty" + (" (only whitespace)" if raw else "") + ";"
    if all(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in name):
        return "the name has no visible characters (only U+"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is {len(name)} characters (Unicode code points) long once trimmed;"
    return None


def char_label(char: str) -> str:
    """How a refused character is named: by kind and code point."""
    code = f"U+{ord(char):04X}"
    category = unicodedata.category(char)
    if category == "Cc":
        return f"({code})"  # "a tab (U+0009)", "a control character (U+0001)"...
    if category in ("Zl", "Zp"):
        return f"a {unicodedata.name(char).lower()} ({code})"
    if char in BIDI_CONTROLS:
        return f"the text-direction control {code} {unicodedata.name(char)}"
    return f"an unpaired surrogate ({code}, not valid text)"


def is_valid(raw: str) -> bool:
    return refusal(raw) is None


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
@example(name="   ", language=None)
@example(name="\u200b\u0301", language=None)
@example(name="\u202eAda", language="he")
@example(name="\udc80", language="en")
@example(name="a\tb", language="en")
@example(name="x" * (MAX_NAME_LENGTH + 1), language="en")
def test_any_text_is_greeted_or_refused_as_the_rules_say(name: str, language: str | None) -> None:
    expected = refusal(name)
    if expected is not None:
        event("refused")
        with pytest.raises(CommandError) as info:
            Greeter().greet(name, language)  # type: ignore[arg-type]
        message = str(info.value)
        if expected.startswith("the name contains ("):
            # A control character: named ("a tab") or not, then its code point.
            assert message.startswith("the name contains "), message
            assert expected.removeprefix("the name contains ") in message, message
        else:
            assert message.startswith(expected), message
        return
    event("greeted")
    greeting = Greeter().greet(name, language)  # type: ignore[arg-type]
    assert greeting == LANGUAGES[language or "en"].greet(reference_normalise(name))
    # The output holds no control character and no bidi control other
    # than the one balanced isolate the greeter adds itself.
    assert not any(unicodedata.category(c) in REFUSED_CATEGORIES for c in greeting)
    assert greeting.count(FSI) == greeting.count(PDI) <= 1
    for char in BIDI_CONTROLS.replace(FSI, "").replace(PDI, ""):
        assert char not in greeting


@given(language=st.text())
def test_any_language_value_is_a_greeting_or_refused_with_the_codes(language: str) -> None:
    if language in LANGUAGE_CODES:
        assert Greeter().greet("Ada", language) == LANGUAGES[language].greet("Ada")  # type: ignore[arg-type]
        return
    with pytest.raises(CommandError) as info:
        Greeter().greet("Ada", language)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(f"unknown language {language!r}"), message
    assert message.endswith(f"; choose one of {', '.join(LANGUAGE_CODES)}"), message


@given(setting=st.one_of(st.text(), st.integers(), st.none(), st.sampled_from(LANGUAGE_CODES)))
def test_any_setting_is_a_greeting_or_refused_naming_the_setting(setting: object) -> None:
    greeter = Greeter()
    greeter.settings = {"default_language": setting}
    if setting is None or setting in LANGUAGE_CODES:
        code = setting if isinstance(setting, str) else "en"
        assert greeter.greet("Ada") == LANGUAGES[code].greet("Ada")
        return
    with pytest.raises(CommandError) as info:
        greeter.greet("Ada")
    message = str(info.value)
    assert message.startswith("the default_language setting of the greeter plugin is "), message
    assert ", ".join(LANGUAGE_CODES) in message
