"""The runtime interface: the host chooses a runtime by name, and a new one needs nothing else.

A test runtime is registered in a child Python, named in the user's config
file, and called through ``Host`` and through the command line's ``main``:
neither knows it. The built-in runtimes are chosen the same way, and a name
no runtime answers to fails the plugin with one line.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from plughost import LoadedPlugin
from plughost._policy.decide import Entry
from plughost._runtime import interface
from plughost._runtime.interface import StartSettings
from support import PluginEnv

# What every child runs first: a runtime that records each start and hands
# the plugin to the in-process runtime, or fails it as told.
_TRACING = textwrap.dedent(
    """
    import json, sys
    import plughost
    from plughost._runtime import interface

    class Tracing:
        name = "test-tracing"

        def __init__(self):
            self.starts = []

        def start(self, entry, start, /):
            self.starts.append(
                {"plugin": entry.name, "settings": dict(start.settings),
                 "call_timeout": start.call_timeout, "config": start.config}
            )
            if FAIL:
                raise interface.StartFailure(
                    f"plugin {entry.name!r} is refused by the test runtime (and 1 more problem(s))",
                    plugin=entry.name, state="invalid", problems=("first", "second"),
                )
            return interface.runtime_named("in-process").start(entry, start)

    tracing = interface.register(Tracing())
    """
)


def _config(env: PluginEnv, text: str) -> None:
    path = env.home / "config" / "plughost" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_built_in_runtimes_are_registered_by_name_and_a_test_one_joins_them() -> None:
    assert interface.registered() == ["executable", "in-process", "worker"]
    assert interface.runtime_named("worker").name == "worker"

    class Echo:
        name = "test-echo"

        def start(self, entry: Entry, start: StartSettings, /) -> LoadedPlugin:
            raise AssertionError("never started")

    runtime = Echo()
    try:
        assert interface.register(runtime) is runtime
        assert interface.register(runtime) is runtime
        assert "test-echo" in interface.registered()
        with pytest.raises(ValueError, match="registered already"):
            interface.register(Echo())
    finally:
        interface.unregister("test-echo")
    with pytest.raises(KeyError, match="no runtime named 'test-echo'; there are: executable"):
        interface.runtime_named("test-echo")

    class Worker(Echo):
        name = "worker"

    with pytest.raises(ValueError, match="'worker' is registered already"):
        interface.register(Worker())


def test_a_runtime_named_in_the_config_runs_the_plugin_through_host_and_the_cli(
    clean_env: PluginEnv,
) -> None:
    _config(clean_env, '[plugins.greeter]\nruntime = "test-tracing"\ntimeout = 7\n')
    code = _TRACING.replace("FAIL", "False") + textwrap.dedent(
        """
        host = plughost.Host(policy=plughost.load_policy())
        with host.load("greeter") as greeter:
            print(type(greeter).__name__, greeter.call("greet", name="Ada"))
        # The user's choice holds even when the caller asks for a worker.
        with host.load("greeter", isolated=True) as greeter:
            print(type(greeter).__name__, greeter.call("greet", name="Bo"))
        from plughost._cli.main import main
        print("exit", main(["run", "greeter", "greet", "Cy"]))
        print(json.dumps(tracing.starts))
        """
    )
    result = clean_env.python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "LoadedPlugin Hello, Ada!",
        "LoadedPlugin Hello, Bo!",
        "Hello, Cy!",
        "exit 0",
    ]
    starts = json.loads(lines[4])
    assert [s["plugin"] for s in starts] == ["greeter"] * 3
    assert {s["call_timeout"] for s in starts} == {7.0}
    assert all(s["config"].endswith("config.toml") for s in starts)


def test_a_start_failure_of_any_runtime_is_reported_and_recorded(clean_env: PluginEnv) -> None:
    _config(clean_env, '[plugins.greeter]\nruntime = "test-tracing"\n')
    code = _TRACING.replace("FAIL", "True") + textwrap.dedent(
        """
        [info] = plughost.Host(policy=plughost.load_policy()).check(["greeter"])
        print(info.state.value, info.reason, list(info.problems), info.checked)
        try:
            plughost.Host(policy=plughost.load_policy()).load("greeter")
        except plughost.PluginUnavailable as exc:
            print("refused", exc.state, exc.plugin)
        # A new host, which starts nothing, knows it from the record.
        later = plughost.Host(policy=plughost.load_policy()).info("greeter")
        print(later.state.value, list(later.problems), later.checked, len(tracing.starts))
        """
    )
    result = clean_env.python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "invalid plugin 'greeter' is refused by the test runtime (and 1 more problem(s))"
        " ['first', 'second'] True",
        "refused invalid greeter",
        "invalid ['first', 'second'] True 2",
    ]


def test_runtime_worker_in_the_config_runs_the_plugin_in_a_worker(clean_env: PluginEnv) -> None:
    _config(clean_env, '[plugins.greeter]\nruntime = "worker"\n')
    result = clean_env.plughost("--debug", "run", "greeter", "greet", "Ada")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello, Ada!\n"
    assert "plugin 'greeter': starting it in runtime 'worker'" in result.stderr
    assert "starting the worker of plugin 'greeter'" in result.stderr


def test_a_runtime_no_one_answers_to_fails_that_plugin_alone_with_one_line(
    clean_env: PluginEnv,
) -> None:
    _config(clean_env, '[plugins.greeter]\nruntime = "nonesuch"\n')
    config = clean_env.home / "config" / "plughost" / "config.toml"
    result = clean_env.plughost("run", "greeter", "greet", "Ada")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: plugin 'greeter' is to run in runtime 'nonesuch', which plughost does not know"
        f" (there are: executable, in-process, worker); fix runtime in [plugins.greeter] in"
        f" {config}\n"
    )
    checked = clean_env.plughost("check", "--json")
    states = {p["name"]: p["state"] for p in json.loads(checked.stdout)}
    assert states == {"greeter": "broken", "calculator": "ok"}


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            'runtime = "in-process"\nisolate = true\n',
            'sets runtime = "in-process" and isolate, which runs it elsewhere; keep one of them',
        ),
        ("runtime = 3\n", "plugins.greeter.runtime must be a non-empty string, not 3"),
    ],
)
def test_a_runtime_that_contradicts_the_section_is_a_config_error(
    clean_env: PluginEnv, section: str, expected: str
) -> None:
    _config(clean_env, "[plugins.greeter]\n" + section)
    result = clean_env.plughost("run", "greeter", "greet", "Ada")
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_runtime_executable_without_a_command_says_what_to_write(clean_env: PluginEnv) -> None:
    _config(clean_env, '[plugins.greeter]\nruntime = "executable"\n')
    result = clean_env.plughost("run", "greeter", "greet", "Ada")
    assert result.returncode == 3
    assert result.stderr.startswith(
        "error: plugin 'greeter' runs as an executable but names none; set"
        ' command = ["program", "argument"] in [plugins.greeter] in '
    )


def test_running_in_process_imports_no_worker_code(clean_env: PluginEnv) -> None:
    result = clean_env.python(
        textwrap.dedent(
            """
            import json, sys, plughost
            with plughost.Host().load("greeter") as greeter:
                greeter.call("greet", name="Ada")
            print(json.dumps(sorted(m for m in sys.modules if m.startswith("plughost._runtime"))))
            """
        )
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "plughost._runtime.in_process" in loaded
    assert not {"plughost._runtime.client", "plughost._runtime.workers"} & loaded
