"""The greetings themselves: every language, the languages list, the settings."""

from __future__ import annotations

import pytest

from plughost import CommandError
from plughost_greeter import DEFAULT_LANGUAGE, LANGUAGE_CODES, LANGUAGES, Greeter

FSI = "\u2068"
PDI = "\u2069"
NNBSP = "\u202f"

#: The exact greeting for "Ada" in every language.
EXPECTED_ADA = {
    "ar": f"مرحبا يا {FSI}Ada{PDI}!",
    "de": "Hallo, Ada!",
    "el": "Γεια σας, Ada!",
    "en": "Hello, Ada!",
    "es": "¡Hola, Ada!",
    "fr": f"Bonjour, Ada{NNBSP}!",
    "he": f"שלום, {FSI}Ada{PDI}!",
    "hi": "नमस्ते, Ada!",
    "it": "Ciao, Ada!",
    "ja": "Adaさん、こんにちは！",  # noqa: RUF001
    "ko": "안녕하세요, Ada 님!",
    "nl": "Hallo, Ada!",
    "pt": "Olá, Ada!",
    "ru": "Здравствуйте, Ada!",
    "sw": "Hujambo, Ada!",
    "tr": "Merhaba, Ada!",
    "zh": "你好，Ada！",  # noqa: RUF001
}


@pytest.fixture
def greeter() -> Greeter:
    return Greeter()


def test_every_language_has_an_expected_greeting() -> None:
    assert set(EXPECTED_ADA) == set(LANGUAGE_CODES)
    assert len(LANGUAGE_CODES) >= 12


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED_ADA.items()))
def test_greeting_for_ada(greeter: Greeter, code: str, expected: str) -> None:
    assert greeter.greet("Ada", code) == expected  # type: ignore[arg-type]


def test_keyword_call(greeter: Greeter) -> None:
    assert greeter.greet(name="Ada", language="fr") == "Bonjour, Ada\u202f!"


def test_french_uses_a_narrow_no_break_space_before_the_exclamation_mark(
    greeter: Greeter,
) -> None:
    text = greeter.greet("Ada", "fr")
    assert text.endswith("\u202f!")
    assert "\u00a0" not in text
    assert " !" not in text


def test_cjk_punctuation_is_fullwidth(greeter: Greeter) -> None:
    assert greeter.greet("李雷", "zh") == "你好，李雷！"  # noqa: RUF001
    assert "\uff0c" in greeter.greet("Ada", "zh")
    assert greeter.greet("山田", "ja") == "山田さん、こんにちは！"  # noqa: RUF001
    assert "\u3001" in greeter.greet("Ada", "ja")


def test_default_language_is_english(greeter: Greeter) -> None:
    assert DEFAULT_LANGUAGE == "en"
    assert greeter.greet("Ada") == "Hello, Ada!"
    assert greeter.greet("Ada", None) == "Hello, Ada!"


# -- right-to-left text -------------------------------------------------------


@pytest.mark.parametrize("code", ["ar", "he"])
def test_rtl_greetings_isolate_the_name(greeter: Greeter, code: str) -> None:
    text = greeter.greet("Ada Lovelace", code)  # type: ignore[arg-type]
    assert f"{FSI}Ada Lovelace{PDI}" in text
    assert LANGUAGES[code].rtl


def test_rtl_greeting_isolates_an_rtl_name_too(greeter: Greeter) -> None:
    assert greeter.greet("دانة", "ar") == f"مرحبا يا {FSI}دانة{PDI}!"
    assert greeter.greet("דוד", "he") == f"שלום, {FSI}דוד{PDI}!"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", f"Hello, {FSI}דוד{PDI}!"),
        ("fr", f"Bonjour, {FSI}دانة{PDI}\u202f!"),
        ("ja", f"{FSI}דוד{PDI}さん、こんにちは！"),  # noqa: RUF001
    ],
)
def test_ltr_greeting_isolates_a_name_with_rtl_letters(
    greeter: Greeter, code: str, expected: str
) -> None:
    name = expected.split(FSI)[1].split(PDI)[0]
    assert greeter.greet(name, code) == expected  # type: ignore[arg-type]


def test_ltr_greeting_of_an_ltr_name_has_no_invisible_characters(greeter: Greeter) -> None:
    for code, info in LANGUAGES.items():
        if not info.rtl:
            text = greeter.greet("Zoë", code)  # type: ignore[arg-type]
            assert FSI not in text
            assert PDI not in text


# -- unknown languages --------------------------------------------------------


@pytest.mark.parametrize("bad", ["xx", "", "english", "e n"])
def test_unknown_language_lists_the_choices(greeter: Greeter, bad: str) -> None:
    with pytest.raises(CommandError) as info:
        greeter.greet("Ada", bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert f"unknown language {bad!r}" in message
    assert ", ".join(LANGUAGE_CODES) in message


@pytest.mark.parametrize(("bad", "hint"), [("FR", "fr"), ("pt-BR", "pt"), ("zh_TW", "zh")])
def test_unknown_language_suggests_a_close_code(greeter: Greeter, bad: str, hint: str) -> None:
    with pytest.raises(CommandError, match=f"did you mean {hint!r}"):
        greeter.greet("Ada", bad)  # type: ignore[arg-type]


def test_language_of_the_wrong_type_is_a_command_error(greeter: Greeter) -> None:
    with pytest.raises(CommandError, match=r"unknown language 5 \(int\); choose one of ar, "):
        greeter.greet("Ada", 5)  # type: ignore[arg-type]


# -- languages() --------------------------------------------------------------


def test_languages_maps_codes_to_autonyms(greeter: Greeter) -> None:
    assert greeter.languages() == {
        "ar": "العربية",
        "de": "Deutsch",
        "el": "Ελληνικά",
        "en": "English",
        "es": "español",
        "fr": "français",
        "he": "עברית",
        "hi": "हिन्दी",
        "it": "italiano",
        "ja": "日本語",
        "ko": "한국어",
        "nl": "Nederlands",
        "pt": "português",
        "ru": "русский",
        "sw": "Kiswahili",
        "tr": "Türkçe",
        "zh": "中文",
    }


def test_languages_order_is_stable_and_alphabetical(greeter: Greeter) -> None:
    first = list(greeter.languages())
    assert first == list(LANGUAGE_CODES) == sorted(LANGUAGE_CODES)
    assert list(Greeter().languages()) == first


def test_languages_returns_a_fresh_dict(greeter: Greeter) -> None:
    result = greeter.languages()
    result["xx"] = "changed"
    assert "xx" not in greeter.languages()


def test_language_table_is_consistent() -> None:
    for code, info in LANGUAGES.items():
        assert info.code == code
        assert info.autonym and info.english
        assert info.greet("Ada").count("Ada") == 1
    assert {c for c, i in LANGUAGES.items() if i.rtl} == {"ar", "he"}


# -- the default_language setting ---------------------------------------------


def test_setting_chooses_the_default_language(greeter: Greeter) -> None:
    greeter.settings = {"default_language": "fr"}
    assert greeter.greet("Ada") == "Bonjour, Ada\u202f!"


def test_explicit_language_wins_over_the_setting(greeter: Greeter) -> None:
    greeter.settings = {"default_language": "fr"}
    assert greeter.greet("Ada", "de") == "Hallo, Ada!"


def test_other_settings_are_ignored(greeter: Greeter) -> None:
    greeter.settings = {"colour": "blue"}
    assert greeter.greet("Ada") == "Hello, Ada!"


@pytest.mark.parametrize("bad", ["xx", "French", "", 3, ["fr"]])
def test_invalid_setting_names_the_setting_and_the_choices(greeter: Greeter, bad: object) -> None:
    greeter.settings = {"default_language": bad}
    with pytest.raises(CommandError) as info:
        greeter.greet("Ada")
    message = str(info.value)
    assert "default_language" in message
    assert "[plugins.greeter]" in message
    assert ", ".join(LANGUAGE_CODES) in message
    assert repr(bad) in message


def test_invalid_setting_suggests_a_close_code(greeter: Greeter) -> None:
    greeter.settings = {"default_language": "FR"}
    with pytest.raises(CommandError, match="did you mean 'fr'"):
        greeter.greet("Ada")


def test_invalid_setting_does_not_matter_when_a_language_is_given(greeter: Greeter) -> None:
    greeter.settings = {"default_language": "xx"}
    assert greeter.greet("Ada", "es") == "¡Hola, Ada!"
    assert "en" in greeter.languages()


def test_settings_are_read_per_call(greeter: Greeter) -> None:
    greeter.settings = {"default_language": "it"}
    assert greeter.greet("Ada") == "Ciao, Ada!"
    greeter.settings = {"default_language": "nl"}
    assert greeter.greet("Ada") == "Hallo, Ada!"
