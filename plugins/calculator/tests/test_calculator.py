"""The plugin against the plughost contract, its commands and its distribution."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

import plughost_calculator
from plughost import CommandError
from plughost._contract.validation import validate_plugin_class
from plughost_calculator import Calculator

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "src" / "plughost_calculator"


def test_plugin_class_is_valid() -> None:
    result = validate_plugin_class(Calculator, name="calculator")
    assert result.problems == ()
    assert result.manifest is not None
    assert result.manifest.summary == "Evaluate arithmetic expressions exactly, without eval."


def test_manifest_describes_every_command() -> None:
    manifest = validate_plugin_class(Calculator, name="calculator").manifest
    assert manifest is not None
    assert [c.name for c in manifest.commands] == [
        "evaluate",
        "add",
        "subtract",
        "multiply",
        "divide",
    ]
    evaluate = manifest.command("evaluate")
    assert evaluate is not None
    assert evaluate.help == "Evaluate an arithmetic EXPRESSION and return the result."
    assert evaluate.returns.kind == "string"
    (param,) = evaluate.params
    assert (param.name, param.type.kind, param.required) == ("expression", "string", True)
    assert param.help.startswith("The expression")
    for name in ("add", "subtract", "multiply", "divide"):
        spec = manifest.command(name)
        assert spec is not None
        assert spec.returns.kind == "number"
        assert [(p.name, p.type.kind) for p in spec.params] == [("a", "number"), ("b", "number")]
        assert all(p.help for p in spec.params)


def test_evaluate_command() -> None:
    assert Calculator().evaluate("2 * (3 + 4) - 0.1") == "13.9"


@pytest.mark.parametrize(
    ("command", "a", "b", "expected"),
    [
        ("add", 0.1, 0.2, 0.3),
        ("add", 1.5, 1.5, 3),
        ("add", -1, 1, 0),
        ("add", 1e16, 1, 10000000000000001),
        ("subtract", 0.3, 0.1, 0.2),
        ("subtract", 1, 3, -2),
        ("multiply", 0.1, 3, 0.3),
        ("multiply", 1.1, 1.1, 1.21),
        ("multiply", -2.5, 4, -10),
        ("divide", 1, 4, 0.25),
        ("divide", 0.3, 0.1, 3),
        ("divide", 1, 3, 1 / 3),
        ("divide", -7, 2, -3.5),
    ],
)
def test_typed_commands_compute_with_the_decimal_values(
    command: str, a: float, b: float, expected: float
) -> None:
    result = getattr(Calculator(), command)(a, b)
    assert result == expected
    assert type(result) is type(expected)


def test_typed_commands_return_int_for_whole_results() -> None:
    assert type(Calculator().add(0.5, 0.5)) is int
    assert type(Calculator().divide(1, 3)) is float


def test_divide_by_zero_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="division by zero: b must not be 0"):
        Calculator().divide(1, 0)
    with pytest.raises(CommandError, match="division by zero"):
        Calculator().divide(0.0, -0.0)


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
@pytest.mark.parametrize("command", ["add", "subtract", "multiply", "divide"])
def test_typed_commands_refuse_non_finite_numbers(command: str, bad: float) -> None:
    with pytest.raises(CommandError, match="a must be a finite number"):
        getattr(Calculator(), command)(bad, 1.0)
    with pytest.raises(CommandError, match="b must be a finite number"):
        getattr(Calculator(), command)(1.0, bad)


def test_typed_commands_refuse_results_out_of_float_range() -> None:
    with pytest.raises(CommandError, match="beyond the range of a floating-point number"):
        Calculator().multiply(1e308, 10)
    with pytest.raises(CommandError, match="too small for a floating-point number"):
        Calculator().divide(1e-300, 1e300)


def test_typed_commands_accept_large_ints() -> None:
    assert Calculator().add(10**300, 1) == 10**300 + 1
    with pytest.raises(CommandError, match="beyond the range"):
        Calculator().add(10**400, 1)


def test_pyproject_metadata() -> None:
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["build-system"]["requires"] == ["setuptools>=77"]
    project = data["project"]
    assert project["name"] == "plughost-calculator"
    assert project["version"] == "1.0.0"
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert project["readme"] == "README.md"
    assert project["dependencies"] == ["plughost>=1.0,<2"]
    assert project["entry-points"]["plughost.plugins"] == {
        "calculator": "plughost_calculator:Calculator"
    }
    assert data["tool"]["setuptools"]["package-data"] == {"plughost_calculator": ["py.typed"]}
    assert (PROJECT / "LICENSE").is_file()
    assert (PACKAGE / "py.typed").is_file()


def test_installed_entry_point_loads_the_plugin() -> None:
    # The tests run with the plugin installed (nox -s tests installs its wheel).
    assert importlib.metadata.distribution("plughost-calculator").version == "1.0.0"
    (entry_point,) = importlib.metadata.entry_points(group="plughost.plugins", name="calculator")
    assert entry_point.load() is Calculator


def test_public_names_are_documented() -> None:
    assert plughost_calculator.__doc__
    for module_path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module_path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), module_path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                assert ast.get_docstring(node), f"{module_path.name}: {node.name}"


def test_modules_stay_small() -> None:
    for module_path in PACKAGE.glob("*.py"):
        lines = module_path.read_text(encoding="utf-8").count("\n")
        assert lines <= 500, f"{module_path.name} has {lines} lines"


def test_no_dynamic_code_execution() -> None:
    """User input must never reach eval, exec, compile or the ast module."""
    for module_path in PACKAGE.glob("*.py"):
        tree = ast.parse(module_path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}
            if isinstance(node, ast.Import):
                assert all(alias.name != "ast" for alias in node.names)
            if isinstance(node, ast.ImportFrom):
                assert node.module != "ast"


def test_readme_examples_are_true() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    checked = 0
    for block in re.findall(r"```console\n(.*?)```", readme, re.DOTALL):
        for example in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command_line, _, shown = example.partition("\n")
            match = re.fullmatch(r'plughost run calculator evaluate "(.*)"', command_line)
            if not match:
                continue
            try:
                output = Calculator().evaluate(match.group(1))
            except CommandError as error:
                output = f"error: calculator evaluate: {error}"
            assert output == shown.rstrip("\n"), command_line
            checked += 1
    assert checked >= 20
