"""Measure every promise of docs/performance.md, side by side, in one run.

Run by ``nox -s bench``, inside an environment where plughost, greeter and
calculator are installed. It builds two folders of fake but valid installed
distributions (50 with 2 plugins, 5000 with 200: the two first-party plugins
plus generated ones), puts one of them on ``PYTHONPATH`` at a time, and
measures each figure against its anchor in the same run: whole processes
as interleaved pairs after a warm-up (the ratio is the median of the pair
ratios), the isolated channel with many calls and both processes pinned to
one CPU. It prints one table and writes the figures as JSON.

Usage: python bench/bench.py WORKDIR [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RUNS = 15
WARMUP = 3


def fake_distributions(root: Path, total: int, plugins: int) -> Path:
    """``total`` installed distributions in ``root``, ``plugins`` of them plugins."""
    if (root / ".complete").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for i in range(total):
        name = f"fakedist{i:05d}"
        info = root / f"{name}-1.0.dist-info"
        info.mkdir()
        files = [f"{name}-1.0.dist-info/METADATA", f"{name}-1.0.dist-info/RECORD"]
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: Fake {i}.\n"
        if i < plugins:
            metadata += "Requires-Dist: plughost<2,>=1.0\n"
            module = f"{name}_plugin"
            (root / f"{module}.py").write_text(
                "from plughost import Plugin, command\n\n\n"
                f"class Fake(Plugin):\n    '''Fake plugin {i}.'''\n\n"
                "    @command\n    def ping(self) -> str:\n        '''Answer.'''\n"
                "        return 'pong'\n"
            )
            (info / "entry_points.txt").write_text(
                f"[plughost.plugins]\nfake{i:05d} = {module}:Fake\n"
            )
            files += [f"{name}-1.0.dist-info/entry_points.txt", f"{module}.py"]
        elif i % 3 == 0:
            # Many real distributions declare other entry points.
            (info / "entry_points.txt").write_text(f"[console_scripts]\n{name} = {name}:main\n")
            files.append(f"{name}-1.0.dist-info/entry_points.txt")
        (info / "METADATA").write_text(metadata)
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    (root / ".complete").write_text("")
    return root


def run_times(argv: Sequence[str], env: dict[str, str], runs: int = RUNS) -> list[float]:
    """Wall-clock seconds of ``runs`` runs of ``argv``, after a warm-up."""
    times = []
    for i in range(WARMUP + runs):
        start = time.perf_counter()
        subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
    return times


def paired_times(
    ours: Sequence[str], anchor: Sequence[str], env: dict[str, str], runs: int = RUNS
) -> tuple[list[float], list[float]]:
    """Wall-clock seconds of ``ours`` and ``anchor``, run as interleaved pairs.

    Each pair runs both commands back to back, the order alternating from
    pair to pair, so that a slow patch of the machine falls on both sides.
    """
    mine: list[float] = []
    theirs: list[float] = []
    for i in range(WARMUP + runs):
        pair = [(ours, mine), (anchor, theirs)]
        for argv, times in pair if i % 2 else reversed(pair):
            start = time.perf_counter()
            subprocess.run(
                argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
            if i >= WARMUP:
                times.append(time.perf_counter() - start)
    return mine, theirs


@contextmanager
def one_cpu() -> Iterator[None]:
    """Pin this process, and every child it starts meanwhile, to one CPU.

    A pipe round trip between two processes on one CPU is a few microseconds;
    across two it is several times that and varies with the scheduler.
    """
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def cold_times(
    argv: Sequence[str], env: dict[str, str], clear: Callable[[], None], runs: int
) -> list[float]:
    """Wall-clock seconds of runs of ``argv``, each after ``clear()`` emptied the caches."""
    times = []
    for _ in range(runs):
        clear()
        start = time.perf_counter()
        subprocess.run(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - start)
    return times


_HWM_HOOK = """\
import atexit, os

def _report():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(os.environ["BENCH_HWM_FILE"], "w") as out:
                    out.write(line.split()[1])

atexit.register(_report)
"""


def peak_kib(argv: Sequence[str], env: dict[str, str], work: Path, runs: int = 5) -> list[float]:
    """Peak resident memory of a child, in KiB: its VmHWM as it exits.

    Read by a ``sitecustomize`` hook in the child itself, because the
    rusage of a child started by fork and exec also counts the memory of the
    process that forked it.
    """
    hook = work / "hwm-hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_HWM_HOOK)
    result = work / "hwm"
    child_env = dict(env)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))
    child_env["BENCH_HWM_FILE"] = str(result)
    peaks = []
    for i in range(WARMUP + runs):
        subprocess.run(
            argv, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        if i >= WARMUP:
            peaks.append(float(result.read_text()))
    return peaks


class Figure:
    """One row of the table: ours against an anchor, and the target ratio."""

    def __init__(
        self,
        name: str,
        ours: list[float],
        anchor: list[float],
        target: str,
        unit: str = "ms",
        *,
        paired: bool = False,
    ) -> None:
        self.name, self.ours, self.anchor, self.target, self.unit = name, ours, anchor, target, unit
        self.paired = paired

    @property
    def ratio(self) -> float:
        """The median of the pair ratios if paired, else median over median."""
        if self.paired:
            return statistics.median(o / a for o, a in zip(self.ours, self.anchor, strict=True))
        return statistics.median(self.ours) / statistics.median(self.anchor)

    @property
    def met(self) -> bool:
        """Whether the ratio meets the target (a reported figure has none)."""
        if self.target[:2] not in ("<=", ">="):
            return True
        op, value = self.target[:2], float(self.target[2:].rstrip("x"))
        return self.ratio <= value if op == "<=" else self.ratio >= value

    def cell(self, values: list[float]) -> str:
        """The median and the range, as the table shows them."""
        scale = 1000.0 if self.unit == "ms" else 1.0
        med = statistics.median(values) * scale
        return f"{med:.3g} ({min(values) * scale:.3g}-{max(values) * scale:.3g})"

    def to_dict(self) -> dict[str, Any]:
        """The figure as JSON data."""
        return {
            "figure": self.name,
            "unit": self.unit,
            "ours": self.ours,
            "anchor": self.anchor,
            "ratio": self.ratio,
            "paired": self.paired,
            "target": self.target,
            "met": self.met,
        }


def growth_figures(
    ours: Sequence[str],
    bare: Sequence[str],
    big: dict[str, str],
    small: dict[str, str],
    what: str,
    runs: int,
) -> list[Figure]:
    """How much ``ours`` grows from ``small`` to ``big``, against the bare interpreter's growth.

    Each round runs the four (ours and bare, in each environment) back to
    back, in an order that turns from round to round; a round gives one
    ratio of growths, and the figure is their median.
    """
    times: dict[tuple[int, int], list[float]] = {(a, b): [] for a in (0, 1) for b in (0, 1)}
    cmds, envs = (ours, bare), (big, small)
    order = [(a, b) for a in (0, 1) for b in (0, 1)]
    for i in range(WARMUP + runs):
        for a, b in order[i % 4 :] + order[: i % 4]:
            start = time.perf_counter()
            out = subprocess.DEVNULL
            subprocess.run(cmds[a], env=envs[b], stdout=out, stderr=out, check=True)
            if i >= WARMUP:
                times[a, b].append(time.perf_counter() - start)
    ours_growth = [x / y for x, y in zip(times[0, 0], times[0, 1], strict=True)]
    bare_growth = [x / y for x, y in zip(times[1, 0], times[1, 1], strict=True)]
    return [
        Figure(f"plughost run with {what}", times[0, 0], times[0, 1], "(reported)", paired=True),
        Figure(f"python -c pass with {what}", times[1, 0], times[1, 1], "(reported)", paired=True),
        Figure(
            f"growth of the run with {what}, over the bare interpreter's growth",
            ours_growth,
            bare_growth,
            "<=1.05x",
            "x",
            paired=True,
        ),
    ]


_ECHO = "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line); sys.stdout.flush()"


def raw_echo_round_trips(count: int) -> list[float]:
    """Round trips of one line through a pipe to a Python child that echoes it."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line); sys.stdout.flush()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    line = (
        b'{"jsonrpc":"2.0","id":1,"method":"call",'
        b'"params":{"command":"greet","arguments":{"name":"Ada"}}}\n'
    )
    times = []
    for _ in range(count):
        start = time.perf_counter()
        child.stdin.write(line)
        child.stdin.flush()
        child.stdout.readline()
        times.append(time.perf_counter() - start)
    child.stdin.close()
    child.wait()
    return times


def isolated_round_trips(count: int) -> list[float]:
    """Round trips of a greeter call through one isolated worker, after a warm-up."""
    from plughost import Host

    with Host(remember=False).load("greeter", isolated=True) as greeter:
        for _ in range(100):
            greeter.call("greet", name="Ada")
        times = []
        for _ in range(count):
            start = time.perf_counter()
            greeter.call("greet", name="Ada")
            times.append(time.perf_counter() - start)
    return times


def isolated_throughput(seconds: float, threads: int) -> float:
    """Calls per second with ``threads`` threads calling one isolated worker at once."""
    from plughost import Host

    with Host(remember=False).load("greeter", isolated=True) as greeter:
        stop = time.perf_counter() + seconds
        counts = [0] * threads

        def work(i: int) -> None:
            while time.perf_counter() < stop:
                greeter.call("greet", name="Ada")
                counts[i] += 1

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return sum(counts) / (time.perf_counter() - start)


def submit_throughput(count: int, window: int = 64) -> float:
    """Calls per second with ``submit``, ``window`` calls in flight on one worker."""
    from plughost import Host

    with Host(remember=False).load("greeter", isolated=True) as greeter:
        for _ in range(100):
            greeter.call("greet", name="Ada")
        flight: collections.deque[Any] = collections.deque()
        start = time.perf_counter()
        for _ in range(count):
            flight.append(greeter.submit("greet", name="Ada"))
            if len(flight) >= window:
                flight.popleft().result()
        for future in flight:
            future.result()
        return count / (time.perf_counter() - start)


_PIPE_ECHO = (
    "import sys\nfrom multiprocessing.connection import Connection\n"
    "c = Connection(int(sys.argv[1]))\n"
    "while True:\n    m = c.recv()\n    if m is None: break\n    c.send(m)\n"
)


def pipe_echo_throughput(count: int, window: int = 64) -> float:
    """Messages per second echoed by a child through ``multiprocessing.Pipe``, pipelined."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _PIPE_ECHO, str(theirs.fileno())], pass_fds=[theirs.fileno()]
    )
    theirs.close()
    message = {"command": "greet", "arguments": {"name": "Ada"}}
    start = time.perf_counter()
    sent = received = 0
    while received < count:
        while sent < count and sent - received < window:
            ours.send(message)
            sent += 1
        ours.recv()
        received += 1
    elapsed = time.perf_counter() - start
    ours.send(None)
    child.wait()
    return count / elapsed


def isolated_starts(runs: int) -> list[float]:
    """Seconds from loading the isolated greeter to its manifest, spawn and handshake included."""
    from plughost import Host

    host = Host(remember=False)
    host.names()
    times = []
    for _ in range(WARMUP + runs):
        start = time.perf_counter()
        handle = host.load("greeter", isolated=True)
        elapsed = time.perf_counter() - start
        handle.close()
        times.append(elapsed)
    return times[WARMUP:]


def bare_child_starts(runs: int) -> list[float]:
    """Seconds until a bare Python child that imports the greeter module says it is ready."""
    code = (
        "import sys, plughost_greeter\n"
        "sys.stdout.write('ready\\n'); sys.stdout.flush()\nsys.stdin.read()"
    )
    times = []
    for _ in range(WARMUP + runs):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert child.stdout is not None and child.stdin is not None
        child.stdout.readline()
        times.append(time.perf_counter() - start)
        child.stdin.close()
        child.wait()
    return times[WARMUP:]


def main(argv: Sequence[str] | None = None) -> int:
    """Build the environments, measure, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    args = parser.parse_args(argv)
    runs = 5 if args.quick else RUNS
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    notes = _cache_notes(work)
    small = fake_distributions(work / "dists-50", 48, 0)
    large = fake_distributions(work / "dists-5000", 4998, 198)
    plughost = str(Path(sys.executable).parent / "plughost")
    cache = work / "cache"
    home = work / "home"

    def env(dists: Path, **extra: str) -> dict[str, str]:
        # Every folder a child may write to is the bench's own, never the real home.
        e = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGHOST_", "PYTHON"))}
        e.update(
            PYTHONPATH=str(dists),
            HOME=str(home),
            XDG_CACHE_HOME=str(cache / "xdg"),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            PLUGHOST_CACHE_DIR=str(cache),
            PLUGHOST_CONFIG=str(work / "config.toml"),
        )
        e.update(extra)
        return e

    home.mkdir(exist_ok=True)
    (work / "config.toml").write_text("")
    bare = [sys.executable, "-c", "pass"]
    script = [sys.executable, "-c", "import re, sys"]
    direct_greet = [
        sys.executable,
        "-c",
        "import plughost_greeter; print(plughost_greeter.Greeter().greet('Ada'))",
    ]
    list_cmd = [plughost, "list"]
    figures: list[Figure] = []

    subprocess.run(list_cmd, env=env(small), capture_output=True, check=True)
    ours, anchor = paired_times(list_cmd, script, env(small), runs)
    figures.append(
        Figure(
            'plughost list, index warm (vs python -c "import re, sys")',
            ours,
            anchor,
            "<=1.3x",
            paired=True,
        )
    )
    ours, anchor = paired_times(list_cmd, bare, env(small), runs)
    figures.append(
        Figure("plughost list, index warm (vs python -c pass)", ours, anchor, "<=2.5x", paired=True)
    )
    # A TAB after `plughost run greeter greet --l`, as the bash script asks it,
    # with the index warm and greeter checked (its manifest recorded).
    subprocess.run([plughost, "check", "greeter"], env=env(small), capture_output=True, check=True)
    complete_cmd = [plughost, "__complete", "bash", "run", "greeter", "greet", "--l"]
    answer = subprocess.run(complete_cmd, env=env(small), capture_output=True, text=True)
    if answer.stdout != "--language\n":
        raise SystemExit(f"completion does not answer --language: {answer!r}")
    ours, anchor = paired_times(complete_cmd, bare, env(small), runs)
    figures.append(
        Figure(
            "completion of plughost run greeter greet --l<TAB>, index warm (vs python -c pass)",
            ours,
            anchor,
            "<=2.5x",
            paired=True,
        )
    )
    run_cmd = [plughost, "run", "greeter", "greet", "Ada"]
    run_small, anchor = paired_times(run_cmd, direct_greet, env(small), runs)
    figures.append(
        Figure(
            "plughost run greeter greet Ada, warm (vs importing and calling greet in python -c)",
            run_small,
            anchor,
            "<=1.2x",
            paired=True,
        )
    )
    # Growth with the environment: the run against the bare interpreter's own
    # start, both in the bigger environment over the smaller one.
    many = fake_distributions(work / "plugins-1000", 1000, 998)
    few = fake_distributions(work / "plugins-2", 1000, 0)
    figures += growth_figures(
        run_cmd, bare, env(many), env(few), "1000 plugins (vs 2, 1000 distributions each)", runs
    )
    figures += growth_figures(
        run_cmd, bare, env(large), env(small), "5000 distributions (vs 50)", runs
    )

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    stevedore_cold = [
        sys.executable,
        "-c",
        "from stevedore import ExtensionManager; ExtensionManager('plughost.plugins')",
    ]
    cold_runs = max(3, runs // 3)
    figures.append(
        Figure(
            "plughost list, index cold, 5000 distributions (vs stevedore's cold ExtensionManager)",
            cold_times(list_cmd, env(large), clear, cold_runs),
            cold_times(stevedore_cold, env(large), clear, cold_runs),
            "<=1.05x",
        )
    )

    os.environ.update(env(small))
    sys.path.insert(0, str(small))
    count = 500 if args.quick else 5000
    with one_cpu():
        ours_rt = isolated_round_trips(count)
        raw_rt = raw_echo_round_trips(count)
    figures.append(
        Figure(
            "isolated call round trip, p50, both pinned to one CPU (vs raw pipe echo)",
            ours_rt,
            raw_rt,
            "<=2.5x",
            "us",
        )
    )
    figures.append(
        Figure(
            "isolated call round trip, p99, pinned (vs raw pipe echo p99)",
            [_percentile(ours_rt, 99)],
            [_percentile(raw_rt, 99)],
            "<=3x",
            "us",
        )
    )
    with one_cpu():
        piped = submit_throughput(5000 if args.quick else 30000)
        echoed = pipe_echo_throughput(5000 if args.quick else 30000)
    figures.append(
        Figure(
            "isolated throughput with submit, 64 in flight, one worker, pinned"
            " (calls/s, vs 150k target)",
            [piped],
            [150_000.0],
            ">=1x",
            "calls/s",
        )
    )
    figures.append(
        Figure(
            "the same, vs multiprocessing.Pipe echoing the call's params, 64 in flight, pinned",
            [piped],
            [echoed],
            ">=1.5x",
            "calls/s",
        )
    )
    calls = isolated_throughput(1.0 if args.quick else 3.0, 8)
    figures.append(
        Figure(
            "isolated throughput, 8 threads (calls/s, vs 100k target)",
            [calls],
            [100_000.0],
            ">=1x",
            "calls/s",
        )
    )
    figures.append(
        Figure(
            "isolated start: spawn, handshake, manifest (vs bare child importing the plugin)",
            isolated_starts(runs),
            bare_child_starts(runs),
            "<=1.25x",
        )
    )
    list_peak = peak_kib(list_cmd, env(small), work)
    figures.append(
        Figure(
            'peak memory of plughost list (vs python -c "import re, sys")',
            list_peak,
            peak_kib(script, env(small), work),
            "<=1.2x",
            "KiB",
        )
    )
    figures.append(
        Figure(
            "peak memory of plughost list (vs python -c pass)",
            list_peak,
            peak_kib(bare, env(small), work),
            "<=1.3x",
            "KiB",
        )
    )
    verify = [plughost, "verify", "greeter"]
    if subprocess.run(verify, env=env(small), capture_output=True).returncode in (0, 1):
        ours, anchor = paired_times(verify, list_cmd, env(small), runs)
        figures.append(
            Figure("plughost verify greeter (vs plughost list)", ours, anchor, "<=10x", paired=True)
        )

    _print(figures)
    for note in notes:
        print(f"note: {note}")
    report = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
        "runs": runs,
        "notes": notes,
        "figures": [f.to_dict() for f in figures],
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def _cache_notes(work: Path) -> list[str]:
    """Why stevedore's anchor might run without its cache, as a user's never would.

    stevedore turns its cache off when the interpreter's path starts with
    ``/tmp`` (its test, not the temporary folder's: nox points ``TMPDIR``
    into the session) or when its cache folder holds a ``.disable`` file.
    """
    notes = []
    if sys.executable.startswith("/tmp"):
        notes.append(
            f"the interpreter {sys.executable} lives under /tmp, where stevedore disables its"
            " cache: run the bench from a checkout outside it"
        )
    disabled = work / "cache" / "xdg" / "python-entrypoints" / ".disable"
    if disabled.exists():
        notes.append(f"{disabled} exists, so stevedore's cache is off; remove it")
    return notes


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def _print(figures: list[Figure]) -> None:
    rows = [("figure", "ours", "anchor", "ratio", "target", "met")]
    for f in figures:
        scale = "us" if f.unit == "us" else f.unit
        ours = f.cell(f.ours) if f.unit == "ms" else _scaled(f.ours, f.unit)
        anchor = f.cell(f.anchor) if f.unit == "ms" else _scaled(f.anchor, f.unit)
        rows.append(
            (
                f"{f.name} [{scale}]",
                ours,
                anchor,
                f"{f.ratio:.2f}x",
                f.target,
                "" if f.target[:2] not in ("<=", ">=") else "yes" if f.met else "NO",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _scaled(values: list[float], unit: str) -> str:
    factor = 1e6 if unit == "us" else 1.0
    med = statistics.median(values) * factor
    if len(values) == 1:
        return f"{med:.4g}"
    return f"{med:.4g} ({min(values) * factor:.4g}-{max(values) * factor:.4g})"


if __name__ == "__main__":
    sys.exit(main())
