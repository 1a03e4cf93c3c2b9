"""Names: normalisation, limits, refused characters and Unicode."""

from __future__ import annotations

import unicodedata

import pytest

from plughost import CommandError
from plughost_greeter import MAX_NAME_LENGTH, Greeter, normalize_name


@pytest.fixture
def greeter() -> Greeter:
    return Greeter()


# -- trimming and collapsing --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada", "Ada"),
        ("  Ada  ", "Ada"),
        ("Ada   Lovelace", "Ada Lovelace"),
        ("  Ada \u00a0 King  Lovelace ", "Ada King Lovelace"),
        ("\u3000山田\u3000太郎\u3000", "山田 太郎"),  # ideographic spaces
        ("\u2003Ada\u2009Byron\u202f", "Ada Byron"),  # em, thin, narrow spaces
        ("Jean-Luc", "Jean-Luc"),
        ("O'Brien", "O'Brien"),
    ],
)
def test_whitespace_is_trimmed_and_collapsed(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_greeting_uses_the_normalised_name(greeter: Greeter) -> None:
    assert greeter.greet("   Ada    Lovelace  ", "en") == "Hello, Ada Lovelace!"


@pytest.mark.parametrize("blank", ["", " ", "     ", "\u00a0", "\u3000 \u2003"])
def test_empty_or_whitespace_only_name_is_refused(greeter: Greeter, blank: str) -> None:
    with pytest.raises(CommandError, match="the name is empty") as info:
        greeter.greet(blank)
    assert "give the name of the person to greet" in str(info.value)


def test_whitespace_only_name_says_so() -> None:
    with pytest.raises(CommandError, match=r"empty \(only whitespace\)"):
        normalize_name("   ")


@pytest.mark.parametrize("invisible", ["\u200b", "\u200d\u200d", "\ufeff", "\u0301", " \u200b "])
def test_name_without_visible_characters_is_refused(invisible: str) -> None:
    with pytest.raises(CommandError, match="no visible characters"):
        normalize_name(invisible)


def test_invisible_name_message_stays_short() -> None:
    name = "".join(chr(c) for c in range(0xFE00, 0xFE10))  # 16 variation selectors
    with pytest.raises(CommandError) as info:
        normalize_name(name)
    assert str(info.value).count("U+") == 5
    assert ", ..." in str(info.value)


# -- length -------------------------------------------------------------------


def test_limit_is_200() -> None:
    assert MAX_NAME_LENGTH == 200


def test_name_at_the_limit_is_accepted(greeter: Greeter) -> None:
    name = "a" * MAX_NAME_LENGTH
    assert greeter.greet(name) == f"Hello, {name}!"


def test_name_over_the_limit_is_refused(greeter: Greeter) -> None:
    with pytest.raises(CommandError) as info:
        greeter.greet("a" * (MAX_NAME_LENGTH + 1))
    message = str(info.value)
    assert "201 characters" in message
    assert "the limit is 200" in message
    assert "code points" in message


def test_limit_is_counted_after_trimming_and_collapsing() -> None:
    name = " " * 50 + "a" * 100 + "     " + "b" * 99 + " " * 50
    assert len(normalize_name(name)) == MAX_NAME_LENGTH


def test_limit_is_counted_in_code_points_after_nfc() -> None:
    decomposed = "e\u0301" * MAX_NAME_LENGTH  # 400 code points, 200 after NFC
    assert normalize_name(decomposed) == "\u00e9" * MAX_NAME_LENGTH
    # A family emoji is one perceived character but five code points.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert len(family) == 5
    normalize_name(family * 40)
    with pytest.raises(CommandError, match="the limit is 200"):
        normalize_name(family * 41)


# -- refused characters -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label", "position"),
    [
        ("Ada\nLovelace", "a newline (U+000A)", 4),
        ("Ada\tLovelace", "a tab (U+0009)", 4),
        ("Ada\x00", "a NUL (U+0000)", 4),
        ("\rAda", "a carriage return (U+000D)", 1),
        ("A\x1b[31mda", "an escape (U+001B)", 2),
        ("Ada\x7f", "a delete (U+007F)", 4),
        ("Ada\x85", "a next line (U+0085)", 4),
        ("Ada\x01", "a control character (U+0001)", 4),
        ("Ada\u2028", "a line separator (U+2028)", 4),
        ("Ada\u2029", "a paragraph separator (U+2029)", 4),
    ],
)
def test_control_characters_are_refused(name: str, label: str, position: int) -> None:
    with pytest.raises(CommandError) as info:
        normalize_name(name)
    message = str(info.value)
    assert label in message
    assert f"at character {position}" in message
    assert "single line" in message


@pytest.mark.parametrize("char", ["\n", "\t", " \n"])
def test_control_characters_are_refused_even_at_the_edges(char: str) -> None:
    with pytest.raises(CommandError):
        normalize_name("Ada" + char)
    with pytest.raises(CommandError):
        normalize_name(char + "Ada")


@pytest.mark.parametrize("code", [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
def test_bidi_controls_are_refused(code: int) -> None:
    char = chr(code)
    with pytest.raises(CommandError) as info:
        normalize_name(f"Ada{char}Lovelace")
    message = str(info.value)
    assert f"text-direction control U+{code:04X} {unicodedata.name(char)}" in message
    assert "at character 4" in message


def test_unpaired_surrogate_is_refused() -> None:
    with pytest.raises(CommandError, match=r"unpaired surrogate \(U\+DC80, not valid text\)"):
        normalize_name("Ada\udc80")


def test_first_bad_character_is_reported() -> None:
    with pytest.raises(CommandError, match=r"a tab .* at character 2"):
        normalize_name("A\tda\n")


@pytest.mark.parametrize("bad", [None, 42, b"Ada", ["Ada"]])
def test_name_that_is_not_text_is_a_command_error(bad: object) -> None:
    with pytest.raises(CommandError, match="the name must be text"):
        normalize_name(bad)  # type: ignore[arg-type]


# -- Unicode names --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "李雷",
        "Ådne",
        "Ñuño",
        "Þórunn",
        "Nguyễn Thị Minh Khai",
        "Ǆemal",
        "Łukasz",
        "Σωκράτης",
        "Анна",
        "محمد",
        "דוד",
        "अर्जुन",
        "ஸ்ரீ",
        "김민준",
        "やまだ",
        "😀",
        "👩🏽\u200d💻 Ada",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
        "X Æ A-12",
    ],
)
def test_unicode_names_are_kept(greeter: Greeter, name: str) -> None:
    assert normalize_name(name) == name
    assert name in greeter.greet(name, "en")
    assert name in greeter.greet(name, "ja")


def test_combining_marks_are_composed_to_nfc(greeter: Greeter) -> None:
    decomposed = "Zoe\u0308"
    assert greeter.greet(decomposed) == "Hello, Zo\u00eb!"
    assert normalize_name("A\u030adne") == "\u00c5dne"


def test_combining_mark_without_precomposed_form_is_kept() -> None:
    name = "Ma\u0331ria"  # a with macron below has no precomposed form
    assert normalize_name(name) == name


def test_hangul_jamo_are_composed() -> None:
    assert normalize_name("\u1100\u1161") == "\uac00"


def test_zero_width_joiners_are_kept() -> None:
    name = "\u0645\u06cc\u200c\u0631\u0648\u0645"  # Persian with a ZWNJ
    assert normalize_name(name) == name
