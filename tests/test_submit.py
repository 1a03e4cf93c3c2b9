"""Pipelined and async calls: ``submit`` and ``acall``, in a worker and in process.

Each test runs a real Python with the fixture plugins installed (bounded
by ``PluginEnv.python``'s timeout), and a real worker process where the
plugin is isolated.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from support import PluginEnv


def _run(plugin_env: PluginEnv, body: str) -> dict[str, object]:
    code = "import json, time\nfrom plughost import Host\nout = {}\n" + textwrap.dedent(body)
    code += "\nprint(json.dumps(out))\n"
    result = plugin_env.python(code)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("isolated", [True, False])
def test_submit_gives_futures_of_what_call_returns_or_raises(
    plugin_env: PluginEnv, isolated: bool
) -> None:
    out = _run(
        plugin_env,
        f"""
        from concurrent.futures import as_completed
        from plughost import ArgumentError, CommandFailed
        with Host().load("tools", isolated={isolated}) as tools:
            futures = [tools.submit("add", numbers=[i, i]) for i in range(300)]
            # as_completed never calls result() first: the answers must come anyway.
            done = sorted(f.result() for f in as_completed(futures, timeout=30))
            out["sums"] = done == [2 * i for i in range(300)]
            failed = tools.submit("refuse", reason="busy").exception(timeout=30)
            out["refuse"] = [type(failed).__name__, str(failed)]
            out["lie"] = type(tools.submit("lie").exception(timeout=30)).__name__
            try:
                tools.submit("add", numbers=["x"])
            except ArgumentError as e:
                out["argument"] = "raised at submit"
        """,
    )
    assert out["sums"] is True
    assert out["refuse"] == ["CommandFailed", "tools refuse: refused: busy; try another command"]
    assert out["lie"] == "CommandFailed"
    assert out["argument"] == "raised at submit"


@pytest.mark.parametrize("isolated", [True, False])
def test_acall_does_not_block_the_event_loop(plugin_env: PluginEnv, isolated: bool) -> None:
    out = _run(
        plugin_env,
        f"""
        import asyncio
        with Host().load("tools", isolated={isolated}) as tools:
            async def main():
                ticks = 0
                async def tick():
                    nonlocal ticks
                    while True:
                        await asyncio.sleep(0.01)
                        ticks += 1
                ticker = asyncio.create_task(tick())
                slow = asyncio.create_task(tools.acall("wait", seconds=0.5))
                sums = await asyncio.gather(*(tools.acall("add", numbers=[i]) for i in range(50)))
                await slow
                ticker.cancel()
                return sums, ticks
            sums, ticks = asyncio.run(main())
            out["sums"] = sums == list(range(50))
            out["ticks"] = ticks
        """,
    )
    assert out["sums"] is True
    # The loop kept running while the slow call ran: about 50 ticks of 10 ms.
    assert isinstance(out["ticks"], int) and out["ticks"] >= 10


def test_calls_that_overlap_run_at_once_each_on_a_thread(plugin_env: PluginEnv) -> None:
    out = _run(
        plugin_env,
        """
        with Host().load("tools", isolated=True) as tools:
            started = time.monotonic()
            waits = [tools.submit("wait", seconds=1) for _ in range(4)]
            out["results"] = [f.result(timeout=10) for f in waits]
            out["took"] = time.monotonic() - started
        """,
    )
    assert out["results"] == ["done"] * 4
    # Run one after another they would take 4 s.
    assert isinstance(out["took"], float) and out["took"] < 2.5


def test_a_long_call_in_the_reading_thread_does_not_hold_up_ping_or_other_calls(
    plugin_env: PluginEnv,
) -> None:
    out = _run(
        plugin_env,
        """
        with Host().load("tools", isolated=True) as tools:
            slow = tools.submit("wait", seconds=3)
            time.sleep(0.2)
            started = time.monotonic()
            tools.worker.ping(timeout=1.0)
            out["ping"] = time.monotonic() - started
            started = time.monotonic()
            out["add"] = tools.call("add", numbers=[1, 2])
            out["add_took"] = time.monotonic() - started
            out["slow_done_early"] = slow.done()
            out["slow"] = slow.result(timeout=10)
        """,
    )
    assert isinstance(out["ping"], float) and out["ping"] < 0.5
    assert out["add"] == 3
    assert isinstance(out["add_took"], float) and out["add_took"] < 1.0
    assert out["slow_done_early"] is False
    assert out["slow"] == "done"


def test_a_future_times_out_is_cancelled_and_the_worker_goes_on(plugin_env: PluginEnv) -> None:
    out = _run(
        plugin_env,
        """
        from plughost import CallTimeout
        with Host(call_timeout=0.5).load("tools", isolated=True) as tools:
            started = time.monotonic()
            failed = tools.submit("wait", seconds=5).exception(timeout=10)
            out["error"] = [type(failed).__name__, str(failed)]
            out["took"] = time.monotonic() - started
            out["after"] = tools.call("add", numbers=[2, 2])
            out["restarts"] = tools.restarts
        """,
    )
    error = out["error"]
    assert isinstance(error, list) and error[0] == "CallTimeout"
    assert "did not finish within its timeout" in error[1]
    assert isinstance(out["took"], float) and out["took"] < 3.0
    assert out["after"] == 4
    assert out["restarts"] == 0


def test_a_crash_fails_every_outstanding_future_and_the_next_call_restarts(
    plugin_env: PluginEnv,
) -> None:
    out = _run(
        plugin_env,
        """
        with Host().load("tools", isolated=True) as tools:
            slow = [tools.submit("wait", seconds=5) for _ in range(3)]
            time.sleep(0.3)
            dying = tools.submit("die", code=7)
            errors = [f.exception(timeout=10) for f in [*slow, dying]]
            out["errors"] = sorted({type(e).__name__ for e in errors})
            out["message"] = str(errors[-1])
            out["after"] = tools.call("add", numbers=[1])
            out["restarts"] = tools.restarts
        """,
    )
    assert out["errors"] == ["WorkerCrashed"]
    assert "exited with status 7" in str(out["message"])
    assert out["after"] == 1
    assert out["restarts"] == 1


def test_close_fails_the_futures_still_outstanding(plugin_env: PluginEnv) -> None:
    out = _run(
        plugin_env,
        """
        tools = Host().load("tools", isolated=True)
        pending = tools.submit("wait", seconds=30)
        time.sleep(0.2)
        started = time.monotonic()
        tools.close()
        error = pending.exception(timeout=10)
        out["error"] = type(error).__name__
        out["took"] = time.monotonic() - started
        """,
    )
    assert out["error"] == "WorkerCrashed"
    assert isinstance(out["took"], float) and out["took"] < 5.0
