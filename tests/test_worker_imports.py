"""What the Python worker imports before it loads a plugin: only what the channel needs.

A probe plugin, importable from a folder on ``PYTHONPATH``, notes the modules
already loaded when the worker imports it. The worker must not have loaded
``logging`` (configured only when something imports it), what calls need
(``threading``, ``queue``, the call answering: imported with the first
call) or anything of the host side. A plugin that imports ``logging`` is
heard as before. The cyclic garbage collector is off for the worker's own
start and on again, with what the start made frozen, when the plugin's code
runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from plughost._runtime import protocol as _protocol
from plughost._runtime.client import python_worker_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")

_PROBE = textwrap.dedent(
    '''
    """A plugin that notes what was imported before it."""

    import gc
    import sys

    BEFORE = sorted(sys.modules)
    COLLECTING = [gc.isenabled(), gc.get_freeze_count() > 0]

    from plughost import Plugin, command


    class Probe(Plugin):
        """Reports the worker's modules."""

        @command
        def before(self) -> list[str]:
            """The modules loaded when the worker imported this plugin."""
            return BEFORE

        @command
        def collecting(self) -> list[bool]:
            """Whether the collector was on, and the worker's start frozen, at the import."""
            return COLLECTING

        @command
        def now(self, log: bool = False) -> list[str]:
            """The modules loaded now; with LOG, after logging a line."""
            if log:
                import logging

                logging.getLogger("plughost.probe").warning("probe logged")
            return sorted(sys.modules)
    '''
)

#: Never loaded by the worker before its plugin.
NOT_BEFORE = {
    "logging",
    "threading",
    "queue",
    "plughost._runtime.call_answer",
    "plughost._runtime.json_log",
    "plughost._contract.calls",
    "plughost._runtime.client",
    "plughost._host",
    "importlib.metadata",
    # The worker runs with -c, not -m.
    "runpy",
    "importlib.util",
    # The states' enum is for a load that fails.
    "plughost._discovery.states",
}


def _ask(tmp_path: Path, calls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    (tmp_path / "plughost_probe_worker.py").write_text(_PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGHOST_")}
    env["PYTHONPATH"] = str(tmp_path)
    env[_protocol.COOKIE_NAME] = _protocol.COOKIE_VALUE
    plugin = {"name": "probe", "entry_point": "plughost_probe_worker:Probe"}
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize",
              "params": {"protocol_versions": [1], "plugin": plugin}}]  # fmt: skip
    for n, params in enumerate(calls, 1):
        lines.append({"jsonrpc": "2.0", "id": n, "method": "call", "params": params})
        lines.append({"jsonrpc": "2.0", "id": 100 + n, "method": "ping"})
    lines.append({"jsonrpc": "2.0", "id": 999, "method": "shutdown"})
    # One line at a time: each call answered before the next is sent.
    proc = subprocess.Popen(
        python_worker_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    answers = []
    for message in lines:
        proc.stdin.write(json.dumps(message).encode() + b"\n")
        proc.stdin.flush()
        answers.append(json.loads(proc.stdout.readline()))
        if message["method"] == "call":
            while answers[-1].get("id") != message["id"]:
                answers.append(json.loads(proc.stdout.readline()))
    _, err = proc.communicate(timeout=30)
    return [a for a in answers if isinstance(a.get("result"), list)], err.decode()


def test_the_worker_imports_no_logging_threads_or_call_code_before_its_plugin(
    tmp_path: Path,
) -> None:
    answers, err = _ask(tmp_path, [{"command": "before", "arguments": {}}])
    before = set(answers[0]["result"])
    assert "plughost._runtime.server" in before
    assert not NOT_BEFORE & before, err


def test_the_plugin_is_imported_with_the_collector_on_and_the_worker_start_frozen(
    tmp_path: Path,
) -> None:
    # The worker's own start runs without the cyclic garbage collector; the
    # plugin's code with it, as in any process.
    answers, err = _ask(tmp_path, [{"command": "collecting", "arguments": {}}])
    assert answers[0]["result"] == [True, True], err


def test_logging_imported_by_the_plugin_is_configured_and_reaches_stderr_as_json(
    tmp_path: Path,
) -> None:
    answers, err = _ask(
        tmp_path,
        [{"command": "now", "arguments": {}}, {"command": "now", "arguments": {"log": True}}],
    )
    first, second = (set(a["result"]) for a in answers)
    assert "logging" not in first
    assert {"logging", "plughost._runtime.json_log"} <= second
    records = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert {"level": "warning", "logger": "plughost.probe", "message": "probe logged"} in records
