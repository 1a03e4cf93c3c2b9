"""The plugin against the plughost contract, and the distribution's metadata."""

from __future__ import annotations

import doctest
import inspect
import re
import tomllib
from pathlib import Path
from typing import get_args

import plughost_greeter
from plughost._contract.validation import validate_plugin_class
from plughost_greeter import LANGUAGE_CODES, LANGUAGES, Greeter, Language

PROJECT = Path(__file__).resolve().parent.parent


def test_plugin_class_is_valid() -> None:
    result = validate_plugin_class(Greeter, name="greeter")
    assert result.problems == ()
    assert result.manifest is not None


def test_manifest_describes_the_commands() -> None:
    manifest = validate_plugin_class(
        Greeter, name="greeter", distribution="plughost-greeter", version="1.0.0"
    ).manifest
    assert manifest is not None
    assert manifest.summary == "Greet people in their own language."
    assert [c.name for c in manifest.commands] == ["greet", "languages"]

    greet = manifest.command("greet")
    assert greet is not None
    assert greet.help == "Return a greeting for NAME in the chosen language."
    assert greet.returns.kind == "string"
    name = greet.param("name")
    assert name is not None
    assert name.required
    assert name.type.kind == "string"
    assert name.help.startswith("who to greet")

    language = greet.param("language")
    assert language is not None
    assert not language.required
    assert language.default is None
    assert language.type.nullable
    assert language.choices == LANGUAGE_CODES
    assert "default_language setting" in language.help

    languages = manifest.command("languages")
    assert languages is not None
    assert languages.params == ()
    assert languages.returns.kind == "object"
    assert languages.returns.values is not None
    assert languages.returns.values.kind == "string"


def test_host_refuses_a_language_outside_the_choices() -> None:
    manifest = validate_plugin_class(Greeter, name="greeter").manifest
    assert manifest is not None
    greet = manifest.command("greet")
    assert greet is not None
    language = greet.param("language")
    assert language is not None
    assert language.type.accepts("fr")
    assert language.type.accepts(None)
    assert not language.type.accepts("xx")


def test_literal_matches_the_table() -> None:
    assert get_args(Language) == LANGUAGE_CODES == tuple(LANGUAGES)
    assert len(set(LANGUAGE_CODES)) == len(LANGUAGE_CODES)


def test_every_public_name_has_a_docstring() -> None:
    for name in plughost_greeter.__all__:
        obj = getattr(plughost_greeter, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), name
    for name, member in inspect.getmembers(Greeter, inspect.isfunction):
        if not name.startswith("_"):
            assert inspect.getdoc(member), name


def test_pyproject_metadata() -> None:
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["name"] == "plughost-greeter"
    assert project["version"] == "1.0.0"
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "MIT"
    assert project["dependencies"] == ["plughost>=1.0,<2"]
    entry_points = project["entry-points"]["plughost.plugins"]
    assert entry_points == {"greeter": "plughost_greeter:Greeter"}
    module, _, attr = entry_points["greeter"].partition(":")
    assert getattr(plughost_greeter, attr) is Greeter
    assert module == plughost_greeter.__name__
    assert data["build-system"]["requires"] == ["setuptools>=77"]


def test_package_files_exist() -> None:
    package = PROJECT / "src" / "plughost_greeter"
    assert (package / "py.typed").is_file()
    assert (PROJECT / "LICENSE").is_file()
    assert (PROJECT / "README.md").is_file()


def test_readme_shows_every_greeting() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for code, info in LANGUAGES.items():
        assert f"`{code}`" in readme, code
        assert info.autonym in readme, code
        # The README shows the greeting without its invisible isolates.
        visible = info.greet("Ada").replace("\u2068", "").replace("\u2069", "")
        assert visible in readme, code


def test_readme_python_examples_run() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(blocks) >= 2
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {number}", "README.md", 0)
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_module_docstring_example_runs() -> None:
    result = doctest.testmod(plughost_greeter, verbose=False)
    assert result.attempted >= 1
    assert result.failed == 0
