"""The default_language setting as plughost gives it: declared, checked, defaulted.

Through the installed entry point and the user's config file, read as the
console script reads it; in process and in a worker alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plughost import Host, PluginUnavailable, load_policy
from plughost_greeter import DEFAULT_LANGUAGE, LANGUAGE_CODES, Greeter

BOTH_WAYS = pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])


def _host(tmp_path: Path, toml: str) -> tuple[Host, Path]:
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    host = Host(policy=load_policy(path=config, environ={}), remember=False, start_timeout=60)
    return host, config


def test_the_greeter_declares_its_setting() -> None:
    with Host.from_classes({"greeter": Greeter}).load("greeter") as greeter:
        settings = greeter.manifest.settings
    assert settings is not None
    [setting] = settings
    assert setting.name == "default_language"
    assert setting.type.enum == LANGUAGE_CODES
    assert not setting.type.nullable
    assert setting.default == DEFAULT_LANGUAGE
    assert setting.help == "The language used when a call does not name one."


@BOTH_WAYS
def test_the_setting_chooses_the_language(tmp_path: Path, isolated: bool) -> None:
    host, _ = _host(tmp_path, '[plugins.greeter]\ndefault_language = "it"\n')
    with host.load("greeter", isolated=isolated) as greeter:
        assert greeter.call("greet", name="Ada") == "Ciao, Ada!"
        assert greeter.call("greet", name="Ada", language="de") == "Hallo, Ada!"


def test_the_greeter_gets_the_default_when_the_user_sets_nothing(tmp_path: Path) -> None:
    host, _ = _host(tmp_path, "")
    with host.load("greeter", isolated=False) as greeter:
        assert dict(greeter.plugin.settings) == {"default_language": "en"}  # type: ignore[attr-defined]
        assert greeter.call("greet", name="Ada") == "Hello, Ada!"


CODES = ", ".join(repr(code) for code in LANGUAGE_CODES)


@BOTH_WAYS
@pytest.mark.parametrize(
    ("toml", "refusal"),
    [
        (
            'default_language = "FR"',
            "plugins.greeter.default_language, a setting of plugin 'greeter', must be one of"
            f" {CODES}, not 'FR'; fix its value",
        ),
        (
            "default_language = 3",
            "plugins.greeter.default_language, a setting of plugin 'greeter', must be one of"
            f" {CODES}, not 3; fix its value",
        ),
        (
            'default_langauge = "fr"',
            "plugins.greeter.default_langauge is not a setting of plugin 'greeter'; did you mean"
            " 'default_language'?",
        ),
        (
            'colour = "blue"',
            "plugins.greeter.colour is not a setting of plugin 'greeter'; its settings are"
            " default_language",
        ),
    ],
)
def test_a_setting_that_does_not_fit_is_refused_before_the_greeter_starts(
    tmp_path: Path, isolated: bool, toml: str, refusal: str
) -> None:
    host, config = _host(tmp_path, f"[plugins.greeter]\n{toml}\n")
    with pytest.raises(PluginUnavailable) as caught:
        host.load("greeter", isolated=isolated)
    assert caught.value.state == "invalid"
    assert str(caught.value) == f"config file {config}: {refusal}"
