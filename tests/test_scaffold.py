"""``plughost new``: the scaffold of a plugin project, from the name to a working plugin.

The whole path runs for real: the project is scaffolded, installed (not
editable) with pip into a fresh virtual environment next to a non-editable
plughost, its own tests pass there and ``plughost run NAME hello`` works. The
other tests check the name rule, the directory rule, that a failure leaves
nothing behind, and that the generated files are clean for ruff and tomllib.
"""

from __future__ import annotations

import ast
import datetime
import importlib.metadata
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from plughost import Host, PlughostError, PluginState
from plughost._manage import scaffold as scaffold_module
from plughost._manage.scaffold import MAX_NAME_LENGTH, ScaffoldError, scaffold
from support import PluginEnv

ROOT = Path(__file__).resolve().parent.parent
HOST = ROOT / "host"
TEMPLATES = HOST / "src" / "plughost" / "_manage" / "templates" / "plugin"
POSIX_ONLY = pytest.mark.skipif('sys.platform == "win32"', reason="the venv layout is POSIX")

EXPECTED_FILES = [
    ".gitignore",
    "LICENSE",
    "README.md",
    "noxfile.py",
    "pyproject.toml",
    "src/plughost_word_count/__init__.py",
    "src/plughost_word_count/py.typed",
    "tests/test_word_count.py",
]


def _listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its content, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _relative(files: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in files]


# -- what is generated --------------------------------------------------------


def test_the_project_has_every_file_and_returns_them(tmp_path: Path) -> None:
    target = tmp_path / "plughost-word-count"
    files = scaffold("word-count", target)
    assert _relative(files, target) == EXPECTED_FILES
    assert all(p.is_absolute() for p in files)
    assert sorted(_listing(target)) == EXPECTED_FILES
    assert (target / "src" / "plughost_word_count" / "py.typed").read_text() == ""


def test_the_default_directory_is_plughost_name_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = scaffold("word-count")
    assert files[0].parent == tmp_path / "plughost-word-count"
    assert [p.name for p in tmp_path.iterdir()] == ["plughost-word-count"]


@pytest.mark.parametrize(
    ("name", "package", "class_name", "test_module"),
    [
        ("greeter", "plughost_greeter", "Greeter", "test_greeter.py"),
        ("word-count", "plughost_word_count", "WordCount", "test_word_count.py"),
        ("s3-sync", "plughost_s3_sync", "S3Sync", "test_s3_sync.py"),
        ("x", "plughost_x", "X", "test_x.py"),
        ("a1-2b", "plughost_a1_2b", "A12b", "test_a1_2b.py"),
        ("match", "plughost_match", "Match", "test_match.py"),  # a soft keyword is fine
    ],
)
def test_the_names_derived_from_the_plugin_name(
    tmp_path: Path, name: str, package: str, class_name: str, test_module: str
) -> None:
    target = tmp_path / "project"
    scaffold(name, target)
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == f"plughost-{name}"
    assert project["project"]["entry-points"]["plughost.plugins"] == {
        name: f"{package}:{class_name}"
    }
    assert project["tool"]["setuptools"]["package-data"] == {package: ["py.typed"]}
    module = ast.parse((target / "src" / package / "__init__.py").read_text(encoding="utf-8"))
    assert [n.name for n in module.body if isinstance(n, ast.ClassDef)] == [class_name]
    assert (target / "tests" / test_module).is_file()


def test_the_pyproject_is_complete(tmp_path: Path) -> None:
    scaffold("word-count", tmp_path / "p")
    data = tomllib.loads((tmp_path / "p" / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["build-system"] == {
        "requires": ["setuptools>=77"],
        "build-backend": "setuptools.build_meta",
    }
    project = data["project"]
    assert project["name"] == "plughost-word-count"
    assert project["version"] == "0.1.0"
    assert project["description"]
    assert project["readme"] == "README.md"
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert project["dependencies"] == ["plughost>=1.0,<2"]
    assert [Requirement(r).name for r in project["optional-dependencies"]["test"]] == ["pytest"]
    assert data["tool"]["setuptools"]["packages"]["find"] == {"where": ["src"]}


def test_the_other_files(tmp_path: Path) -> None:
    target = tmp_path / "p"
    scaffold("word-count", target)
    files = {k: v.decode("utf-8") for k, v in _listing(target).items()}
    for path, text in files.items():
        # Every placeholder was substituted (a console prompt "$ " is not one).
        assert not re.search(r"\$\{?[A-Za-z_]", text), path
        assert text == "" or text.endswith("\n"), path
    readme = files["README.md"]
    assert readme.startswith("# plughost-word-count\n")
    for shown in (
        "pip install plughost-word-count",
        "plughost run word-count hello",
        "python -m pytest",
        "plughost check word-count",
        "twine upload dist/*",
    ):
        assert shown in readme
    year = datetime.date.today().year
    assert files["LICENSE"].startswith(f"MIT License\n\nCopyright (c) {year} The plughost-word")
    assert "dist/" in files[".gitignore"].splitlines()
    noxfile = ast.parse(files["noxfile.py"])
    sessions = [n.name for n in noxfile.body if isinstance(n, ast.FunctionDef)]
    assert sessions == ["tests", "build"]
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_the_tests_use_the_conformance_kit(tmp_path: Path) -> None:
    scaffold("word-count", tmp_path / "p")
    tests = ast.parse((tmp_path / "p" / "tests" / "test_word_count.py").read_text())
    imported = {
        (n.module, a.name) for n in tests.body if isinstance(n, ast.ImportFrom) for a in n.names
    }
    assert ("plughost.testing", "PluginConformance") in imported
    assert ("plughost.testing", "Sample") in imported
    [conformance] = [n for n in tests.body if isinstance(n, ast.ClassDef)]
    assert [ast.unparse(b) for b in conformance.bases] == ["PluginConformance"]
    plain = [n.name for n in tests.body if isinstance(n, ast.FunctionDef)]
    assert "test_hello" in plain


def test_the_class_name_cannot_shadow_what_the_generated_code_uses(tmp_path: Path) -> None:
    # If a template imports or defines one more class-like name, the name rule
    # must refuse the plugin name that would make a class of that name.
    scaffold("word-count", tmp_path / "p")
    used: set[str] = set()
    for path in ("src/plughost_word_count/__init__.py", "tests/test_word_count.py"):
        tree = ast.parse((tmp_path / "p" / path).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module in ("plughost", "plughost.testing"):
                used.update(a.asname or a.name for a in node.names)
            elif isinstance(node, ast.ClassDef) and node.name != "WordCount":
                used.add(node.name)
    class_like = {n for n in used if n[:1].isupper()}
    assert {"Plugin", "Sample", "TestConformance"} <= class_like
    assert class_like <= scaffold_module._TAKEN_NAMES


def test_the_generated_plugin_is_valid_in_process(tmp_path: Path) -> None:
    scaffold("word-count", tmp_path / "p")
    sys.path.insert(0, str(tmp_path / "p" / "src"))
    try:
        from plughost_word_count import WordCount  # type: ignore[import-not-found]

        host = Host.from_classes({"word-count": WordCount})
        [info] = host.check()
        assert info.state is PluginState.OK, info.problems
        assert host.call("word-count", "hello") == "Hello, world!"
        assert host.call("word-count", "hello", name="Ada") == "Hello, Ada!"
        with host.load("word-count") as plugin:
            [hello] = plugin.manifest.to_dict()["commands"]
            assert hello["name"] == "hello"
            assert hello["params"][0]["help"] == "who to greet"
    finally:
        sys.path.remove(str(tmp_path / "p" / "src"))
        sys.modules.pop("plughost_word_count", None)


def _ruff() -> str:
    for candidate in (Path(sys.executable).parent / "ruff", shutil.which("ruff")):
        if candidate is not None and Path(candidate).is_file():
            return str(candidate)
    pytest.skip("ruff is not installed in the test environment (pip install ruff)")


# 33 characters is the longest name whose generated import line still fits in
# ruff's default 88 columns; longer names work, but ruff format would wrap it.
@pytest.mark.parametrize("name", ["word-count", "a" * 33])
def test_the_generated_files_are_clean_for_ruff_with_default_settings(
    tmp_path: Path, name: str
) -> None:
    ruff = _ruff()
    target = tmp_path / "p"
    scaffold(name, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUFF_")}
    for args in (["check", "--isolated", "."], ["format", "--isolated", "--check", "."]):
        result = subprocess.run(
            [ruff, *args, "--no-cache"],
            cwd=target,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr


# -- names that are refused ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the plugin name is empty"),
        ("Bad Name", "'Bad Name' is not a valid name for a new plugin; use lowercase letters"),
        ("Bad Name", "'bad-name' would do"),
        ("Greeter", "has uppercase letters; plugin names are lowercase: use 'greeter'"),
        ("a/b", "'a/b' is not a valid name"),
        ("../escape", "not a valid name"),
        ("1x", "starting with a letter"),
        ("word_count", "'word-count' would do"),
        ("word.count", "'word-count' would do"),
        ("word--count", "'word-count' would do"),
        ("-word", "'word' would do"),
        ("word-", "'word' would do"),
        ("café", "not a valid name"),
        ("a\nb", "'a\\nb' is not a valid name"),
        ("class", "plugin name 'class' is a Python keyword; choose another name"),
        ("import", "is a Python keyword"),
        ("none", "would make the class None, a Python keyword"),
        ("true", "would make the class True"),
        ("plugin", "would make the class Plugin, a name the generated code already uses"),
        ("test-conformance", "would make the class TestConformance"),
        ("sample", "would make the class Sample"),
        ("host", "would make the class Host"),
        ("plughost", "'plughost' is the host's own name"),
        ("plughost-greeter", "give the plugin name 'greeter'"),
        ("x" * (MAX_NAME_LENGTH + 1), f"is {MAX_NAME_LENGTH + 1} characters long; use at most"),
    ],
)
def test_invalid_names_are_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScaffoldError) as caught:
        scaffold(name)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert len(text) < 200
    assert isinstance(caught.value, PlughostError)
    assert list(tmp_path.iterdir()) == []


def test_the_longest_name_is_accepted(tmp_path: Path) -> None:
    files = scaffold("a" * MAX_NAME_LENGTH, tmp_path / "p")
    assert len(files) == len(EXPECTED_FILES)


# -- the directory ------------------------------------------------------------


def test_an_existing_non_empty_directory_is_refused_and_left_untouched(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    (target / "src").mkdir(parents=True)
    (target / "README.md").write_text("my own work\n")
    (target / "src" / "keep.py").write_text("x = 1\n")
    before = _listing(target)
    with pytest.raises(ScaffoldError, match="already exists and is not empty; choose another"):
        scaffold("word-count", target)
    assert _listing(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_directory_holding_only_a_hidden_file_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / ".git").mkdir()
    with pytest.raises(ScaffoldError, match="is not empty"):
        scaffold("word-count", tmp_path / "p")
    assert [p.name for p in (tmp_path / "p").iterdir()] == [".git"]


def test_a_file_where_the_directory_should_be_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "plughost-word-count"
    target.write_text("not a directory\n")
    with pytest.raises(ScaffoldError, match="exists and is not a directory"):
        scaffold("word-count", target)
    assert target.read_text() == "not a directory\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plughost-word-count"]


def test_a_broken_symbolic_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "link"
    target.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ScaffoldError, match="is a broken symbolic link"):
        scaffold("word-count", target)
    assert not (tmp_path / "nowhere").exists()


def test_an_empty_existing_directory_is_filled(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    files = scaffold("word-count", target)
    assert _relative(files, target) == EXPECTED_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_the_current_directory_when_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    inode = here.stat().st_ino
    monkeypatch.chdir(here)
    files = scaffold("word-count", Path("."))
    assert _relative(files, here) == EXPECTED_FILES
    # The directory was filled, not replaced: a shell inside it stays inside it.
    assert Path.cwd().stat().st_ino == inode
    assert Path("pyproject.toml").is_file()


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "plughost-word-count"
    scaffold("word-count", target)
    assert sorted(_listing(target)) == EXPECTED_FILES


def test_the_project_directory_gets_the_usual_permissions(tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    scaffold("word-count", tmp_path / "p")
    mode = stat.S_IMODE((tmp_path / "p").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "reference").stat().st_mode)


# -- a failure leaves nothing -------------------------------------------------


def _failing_open(after: int, error: BaseException) -> Callable[..., Any]:
    calls = 0

    def fake_open(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > after:
            raise error
        return open(*args, **kwargs)

    return fake_open


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_while_writing_leaves_no_half_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    target = tmp_path / "p"
    if existing:
        target.mkdir()
    error = OSError(28, "No space left on device")
    monkeypatch.setattr(scaffold_module, "open", _failing_open(3, error), raising=False)
    with pytest.raises(ScaffoldError, match="No space left on device; nothing was written"):
        scaffold("word-count", target)
    assert [p.name for p in tmp_path.iterdir()] == (["p"] if existing else [])
    if existing:
        assert list(target.iterdir()) == []


def test_ctrl_c_while_writing_leaves_no_half_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        scaffold_module, "open", _failing_open(2, KeyboardInterrupt()), raising=False
    )
    with pytest.raises(KeyboardInterrupt):
        scaffold("word-count", tmp_path / "p")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_filling_an_empty_directory_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "p"
    target.mkdir()
    real_rename = os.rename
    calls = 0

    def rename(src: Any, dst: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise OSError(5, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(ScaffoldError, match="Input/output error"):
        scaffold("word-count", target)
    monkeypatch.undo()
    assert list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["p"]


def _in_a_child(function: Callable[[], str], *, as_nobody: bool, timeout: float = 60) -> str:
    """Run ``function`` in a forked child (as the user nobody if asked); what it returns."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            os.close(read)
            if as_nobody:
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            os.write(write, function().encode())
        except BaseException as exc:
            os.write(write, f"the child failed: {exc!r}".encode())
        finally:
            os._exit(0)
    os.close(write)
    received = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], deadline - time.monotonic())
            chunk = os.read(read, 65536) if ready else b""
            if not chunk:
                break
            received += chunk
    finally:
        os.close(read)
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return received.decode()


def _scaffold_error(target: Path) -> str:
    try:
        scaffold("word-count", target)
    except ScaffoldError as error:
        return str(error)
    return "written"


@pytest.mark.skipif('sys.platform == "win32"', reason="POSIX permissions")
def test_a_directory_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    # Root may write anywhere: as root (as in CI) the scaffold runs as nobody,
    # in a folder that nobody owns, in a place nobody can reach.
    import pwd

    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="plughost-read-only-")) if as_root else tmp_path
    parent = base / "read-only"
    # The child cannot import what the interpreter keeps where nobody may
    # read: a first scaffold here imports all the scaffold needs.
    scaffold("word-count", tmp_path / "first")
    try:
        base.chmod(0o755)
        parent.mkdir()
        if as_root:
            nobody = pwd.getpwnam("nobody")
            os.chown(parent, nobody.pw_uid, nobody.pw_gid)
        parent.chmod(0o555)
        message = _in_a_child(lambda: _scaffold_error(parent / "p"), as_nobody=as_root)
        assert re.fullmatch(r"cannot write the project to .*: Permission denied.*", message), (
            message
        )
        assert list(parent.iterdir()) == []
    finally:
        if parent.exists():
            parent.chmod(0o755)
        if as_root:
            shutil.rmtree(base)


# -- the whole path: scaffold, install, test, run -----------------------------


def _clean_env(home: Path, venv: Path | None = None) -> dict[str, str]:
    """An environment for children: no pip, Python or plughost settings from outside."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "PYTHON", "PLUGHOST_", "VIRTUAL_ENV"))
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PLUGHOST_CACHE_DIR=str(home / "plughost-cache"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHONIOENCODING="utf-8",
    )
    if venv is not None:
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return env


def _run(
    args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )
    return result


def _runtime_closure(*names: str) -> dict[str, str]:
    """``names`` and what they need at run time, as installed here: name to version."""
    found: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in found:
            continue
        found[key] = importlib.metadata.version(name)
        for text in importlib.metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of plughost (built from a clean copy of host/) and of all the path needs.

    The third-party wheels are the versions of this test environment, from
    pip's cache when it has them, else from the package index.
    """
    root = tmp_path_factory.mktemp("scaffold-wheels")
    wheels = root / "wheels"
    env = _clean_env(root)
    env.pop("XDG_CACHE_HOME")  # pip's own cache, for working offline
    pins = _runtime_closure("stevedore", "packaging", "pytest", "setuptools")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels)]
    fetched = _run([*pip_wheel, *(f"{n}=={v}" for n, v in sorted(pins.items()))], env=env, cwd=root)
    if fetched.returncode != 0:
        pytest.skip(f"cannot get wheels of {sorted(pins)}: {fetched.stderr.strip()[-300:]}")
    host = root / "host"
    shutil.copytree(
        HOST, host, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")
    )
    _ok(_run([*pip_wheel, "--no-index", "--no-build-isolation", str(host)], env=env, cwd=root))
    return wheels


@pytest.fixture(scope="module")
def venv(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with plughost installed from its wheel, not editable."""
    root = tmp_path_factory.mktemp("scaffold-venv")
    venv = root / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], env=_clean_env(root), cwd=root))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
    _ok(
        _run(
            [*pip, "--find-links", str(wheelhouse), "plughost"],
            env=_clean_env(root, venv),
            cwd=root,
        )
    )
    yield venv


@POSIX_ONLY
def test_the_whole_path_scaffold_install_test_run(
    venv: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    project = tmp_path / "plughost-word-count"
    scaffold("word-count", project)
    env = _clean_env(tmp_path, venv)
    bin_dir = venv / "bin"

    # Install it as a user would (not editable; build isolation, offline).
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
    _ok(_run([*pip, "--find-links", str(wheelhouse), f"{project}[test]"], env=env, cwd=tmp_path))

    # Its own tests pass, the conformance kit included, from the installed plughost.
    pytest_args = [str(bin_dir / "pytest"), "-v", "-p", "no:cacheprovider"]
    tests = _ok(_run(pytest_args, env=env, cwd=project)).stdout
    assert re.search(r"\b7 passed\b", tests), tests
    assert "TestConformance::test_samples PASSED" in tests

    # And the plugin works from the command line.
    plughost = str(bin_dir / "plughost")
    hello = _ok(_run([plughost, "run", "word-count", "hello"], env=env, cwd=tmp_path))
    assert hello.stdout == "Hello, world!\n"
    ada = [plughost, "run", "word-count", "hello", "--name", "Ada"]
    assert _ok(_run(ada, env=env, cwd=tmp_path)).stdout == "Hello, Ada!\n"
    isolated = [plughost, "run", "--isolated", "word-count", "hello", "--name", "Ada"]
    assert _ok(_run(isolated, env=env, cwd=tmp_path)).stdout == "Hello, Ada!\n"
    check = _ok(_run([plughost, "check", "word-count"], env=env, cwd=tmp_path))
    assert check.stdout == "word-count  ok\n"
    empty = _run([plughost, "run", "word-count", "hello", "--name", " "], env=env, cwd=tmp_path)
    assert empty.returncode == 1
    assert empty.stderr.strip() == (
        "error: word-count hello: the name is empty; give a name, for example --name Ada"
    )


@POSIX_ONLY
def test_the_templates_ship_in_the_wheel_and_scaffold_from_an_installed_plughost(
    venv: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    [wheel] = wheelhouse.glob("plughost-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.startswith("plughost/_manage/templates/")}
    expected = {
        "plughost/_manage/templates/plugin/" + p.relative_to(TEMPLATES).as_posix()
        for p in TEMPLATES.rglob("*.tmpl")
    }
    assert expected
    assert shipped == expected
    code = (
        "import sys; from pathlib import Path; from plughost._manage.scaffold import scaffold;"
        " print(len(scaffold('word-count', Path(sys.argv[1]))))"
    )
    there = tmp_path / "there"
    python = str(venv / "bin" / "python")
    result = _ok(_run([python, "-c", code, str(there)], env=_clean_env(tmp_path), cwd=tmp_path))
    assert result.stdout == f"{len(EXPECTED_FILES)}\n"
    here = tmp_path / "here"
    scaffold("word-count", here)
    assert _listing(there) == _listing(here)


def test_a_name_already_installed_is_warned_of(plugin_env: PluginEnv, tmp_path: Path) -> None:
    result = plugin_env.plughost("new", "tools", "--directory", str(tmp_path / "p"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p" / "pyproject.toml").exists()
    assert result.stderr.splitlines() == [
        "warning: a plugin named 'tools' is installed by plughost-fixture-tools 1.0.0; once"
        " this project is installed too, neither loads (a conflict): choose another name, or"
        " uninstall the other first"
    ]
    fresh = plugin_env.plughost("new", "brand-new", "--directory", str(tmp_path / "q"))
    assert (fresh.returncode, fresh.stderr) == (0, "")
