"""plughost.testing: the conformance kit, run by pytest on real installed fixtures."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from support import PluginEnv


def _pytest(env: PluginEnv, tests: str, *args: str) -> subprocess.CompletedProcess[str]:
    suite = env.home / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "test_it.py").write_text(textwrap.dedent(tests))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite), *args],
        capture_output=True,
        text=True,
        env=env.environ(),
        cwd=suite,
        timeout=300,
    )


def _summary(result: subprocess.CompletedProcess[str]) -> str:
    """pytest's last line without its timing: ``3 failed, 1 passed``."""
    return result.stdout.splitlines()[-1].split(" in ")[0]


def test_a_good_plugin_passes(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance, Sample

        class TestTools(PluginConformance):
            plugin = "tools"
            samples = [
                Sample("add", {"numbers": [1, 2]}, 3),
                Sample("echo", {"text": "hi", "tags": ["a"]},
                       {"text": "hi", "tags": "a", "ratio": "none"}),
                Sample("refuse", {"reason": "x"}, error="refused: x"),
            ]
        """,
    )
    assert result.returncode == 0, result.stdout
    assert _summary(result) == "4 passed"


def test_an_invalid_plugin_fails_with_every_problem(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance

        class TestBroken(PluginConformance):
            plugin = "unsupported-type"
        """,
    )
    assert result.returncode == 1
    out = result.stdout
    assert "plugin 'unsupported-type' is invalid, not ok:" in out
    assert "parameter 'path' is annotated Path" in out
    assert "parameter 'tags' is annotated set[str]" in out
    assert "its return is annotated bytes" in out
    assert _summary(result) == "3 failed, 1 passed"


def test_a_broken_plugin_and_a_missing_one_fail_precisely(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import check_plugin
        import pytest

        def test_broken():
            with pytest.raises(AssertionError) as e:
                check_plugin("raising-init")
            assert "is broken, not ok" in str(e.value)
            assert "cannot open the frobnicator" in str(e.value)

        def test_missing():
            with pytest.raises(AssertionError) as e:
                check_plugin("not-installed-anywhere")
            assert "no plugin named 'not-installed-anywhere' is installed" in str(e.value)
            assert "pip install -e ." in str(e.value)
        """,
    )
    assert result.returncode == 0, result.stdout
    assert _summary(result) == "2 passed"


def test_a_wrong_sample_result_is_reported_with_both_values(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance, Sample

        class TestTools(PluginConformance):
            plugin = "tools"
            samples = [Sample("add", {"numbers": [1, 2]}, 4)]
        """,
    )
    assert result.returncode == 1
    assert _summary(result) == "1 failed, 3 passed"
    assert "plugin 'tools' in process: add(numbers=[1, 2]) returned 3; expected 4" in result.stdout


def test_every_failing_sample_is_reported(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance, Sample

        class TestTools(PluginConformance):
            plugin = "tools"
            samples = [
                Sample("add", {"numbers": [1, 2]}, 4),
                Sample("add", {"numbers": [2, 2]}, 4),
                Sample("add", {"numbers": [3]}, 4),
                Sample("refuse", {"reason": "x"}, error="something else"),
            ]
        """,
    )
    assert result.returncode == 1
    assert _summary(result) == "1 failed, 3 passed"
    out = result.stdout
    assert "6 samples of plugin 'tools' failed:" in out
    for where in ("in process", "isolated"):
        assert f"plugin 'tools' {where}: add(numbers=[1, 2]) returned 3; expected 4" in out
        assert f"plugin 'tools' {where}: add(numbers=[3]) returned 3; expected 4" in out
        assert f"plugin 'tools' {where}: refuse(reason='x') failed:" in out
    assert "add(numbers=[2, 2])" not in out


def test_a_near_miss_of_a_name_reads_well(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import check_found
        import pytest

        def test_near_miss():
            with pytest.raises(AssertionError) as e:
                check_found("tool")
            assert str(e.value).startswith(
                "no plugin named 'tool' is installed; did you mean 'tools'? (install"
            )
        """,
    )
    assert result.returncode == 0, result.stdout
    assert _summary(result) == "1 passed"


def test_an_unrelated_suite_is_unaffected(plugin_env: PluginEnv) -> None:
    tests = """
        import pytest

        def test_fixtures(request):
            # No autouse fixture of plughost's reaches an unrelated test.
            assert not [f for f in request.fixturenames if "plughost" in f]

        @pytest.mark.parametrize(("n", "square"), [(1, 1), (2, 4)])
        def test_numbers(n, square):
            assert n * n == square
        """
    with_kit = _pytest(plugin_env, tests, "-p", "plughost")
    without = _pytest(plugin_env, tests, "-p", "no:plughost")
    assert with_kit.returncode == without.returncode == 0, with_kit.stdout + without.stdout
    assert _summary(with_kit) == "3 passed"
    assert _summary(without) == "3 passed"
    config = _pytest(plugin_env, tests, "--trace-config")
    assert "plughost/testing.py" in config.stdout  # it is registered...
    fixtures = _pytest(plugin_env, tests, "--fixtures")
    assert "plughost_host" in fixtures.stdout  # ...and offers only a fixture


def test_the_kit_is_a_registered_pytest_plugin() -> None:
    import importlib.metadata

    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert any(ep.name == "plughost" and ep.value == "plughost.testing" for ep in entry_points)


def test_samples_may_give_the_plugin_settings(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance, Sample

        class TestConfigured(PluginConformance):
            plugin = "configured"
            samples = [
                Sample("greet", {"name": "Ada"}, "Hello, Ada!"),
                Sample("greet", {"name": "Ada"}, "Hi, Ada!", settings={"greeting": "Hi"}),
                Sample("greet", {"name": "Bo"}, "HELLO, BO!", settings={"loud": True}),
                Sample("limit", {}, 4, settings={"limit": 4}),
                Sample("limit", {}, error="set limit in [plugins.configured]"),
            ]
        """,
    )
    assert result.returncode == 0, result.stdout
    assert _summary(result) == "4 passed"


def test_a_sample_whose_settings_do_not_fit_fails_precisely(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance, Sample

        class TestConfigured(PluginConformance):
            plugin = "configured"
            samples = [Sample("greet", {"name": "Ada"}, "Hi, Ada!", settings={"greting": "Hi"})]
        """,
    )
    assert result.returncode == 1
    assert _summary(result) == "1 failed, 3 passed"
    assert (
        "plugin 'configured' in process: cannot be loaded for greet(name='Ada') with settings"
        " {'greting': 'Hi'}: plugins.configured.greting is not a setting of plugin 'configured';"
        " did you mean 'greeting'?"
    ) in result.stdout


def test_a_broken_declaration_of_settings_fails_with_every_problem(plugin_env: PluginEnv) -> None:
    result = _pytest(
        plugin_env,
        """
        from plughost.testing import PluginConformance

        class TestBroken(PluginConformance):
            plugin = "settings-broken"
        """,
    )
    assert result.returncode == 1
    out = result.stdout
    assert "plugin 'settings-broken' is invalid, not ok:" in out
    assert "setting 'missing' (Broken.Settings) has no default" in out
    assert "setting 'timeout' (Broken.Settings): plughost reads `timeout`" in out
    assert "parameter 'text' has no type annotation" in out
    assert _summary(result) == "3 failed, 1 passed"
