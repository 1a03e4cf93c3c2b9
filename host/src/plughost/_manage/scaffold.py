"""``plughost new NAME``: scaffold a complete plugin distribution.

:func:`scaffold` writes a project that is ready to install, test and
publish: ``pyproject.toml`` (setuptools, the entry point, ``plughost>=1.0,<2``
and a ``test`` extra), ``src/plughost_NAME/`` with a :class:`plughost.Plugin`
subclass and one example command, tests that use :mod:`plughost.testing`, a
README, a noxfile, a ``.gitignore`` and an MIT ``LICENSE``.

Names
    A new plugin's name follows the convention of docs/writing-plugins.md,
    which is stricter than what the host accepts (``_names.NAME_RULE``): 1 to
    100 lowercase ASCII letters and digits in words joined by single ``-``,
    starting with a letter (``greeter``, ``word-count``, ``s3-sync``).

    - Uppercase is refused, not normalised: the name is what users type in
      ``plughost run NAME``, so it is never changed behind the author's
      back. The message gives the lowercase name to use instead.
    - ``_`` and ``.`` are refused (the message gives the name with ``-``):
      ``a-b``, ``a_b`` and ``a.b`` would all make the package ``plughost_a_b``
      and the same distribution name once normalised. For the same reason a
      leading, trailing or doubled ``-`` is refused.
    - A leading digit is refused: the class name must be an identifier.
    - Python keywords are refused (``class``, ``import``), and so are names
      whose class would be a keyword (``none`` makes ``None``).
    - ``plughost``, and any name starting with ``plughost-`` (the
      distribution's name given instead of the plugin's), is refused.
    - Names whose class would shadow a name the generated modules already
      use (``plugin`` makes ``Plugin``; also ``Host``, ``Sample``,
      ``TestConformance``...) are refused.

    From the name ``word-count`` come the distribution ``plughost-word-count``,
    the import package ``plughost_word_count`` (``-`` becomes ``_``), the class
    ``WordCount`` (each word capitalised, joined) and the test module
    ``tests/test_word_count.py``.

The directory
    By default ``./plughost-NAME``. It may exist if it is an empty directory;
    a non-empty directory, a file or a broken symbolic link is refused, and
    nothing is written. Missing parent directories are created (and stay,
    empty, should writing fail).

Writing
    Every file is rendered in memory first, then written into a fresh
    hidden directory next to the target (``.DIRNAME-XXXXXXXX.tmp``),
    which is renamed to the target in one step; into an existing empty
    directory its entries are moved one by one (renaming over a directory
    would replace it, even when it is the current directory of a shell). A
    failure, Ctrl-C included, removes what was written: no half project is
    left behind.

Templates
    Package data under ``plughost/_manage/templates/plugin/``, read with
    :mod:`importlib.resources`; each file carries a ``.tmpl`` suffix so that
    no tool takes it for real Python or TOML, and is rendered with
    :class:`string.Template` (``$name``; a literal ``$`` is ``$$``) from
    ``name``, ``distribution``, ``package``, ``class_name``, ``module`` and
    ``year``. The template tree mirrors the project, with these renames:
    ``gitignore`` is ``.gitignore``, ``src/package`` is ``src/plughost_NAME``
    and ``tests/test_plugin.py`` is ``tests/test_MODULE.py``.
"""

from __future__ import annotations

import datetime
import keyword
import os
import re
import secrets
import shutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from .._discovery.names import is_plugin_name
from .._errors import PlughostError

__all__ = ["MAX_NAME_LENGTH", "ScaffoldError", "scaffold"]

#: The longest plugin name :func:`scaffold` accepts (the host's own limit).
MAX_NAME_LENGTH = 100

_NEW_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_RULE = "use lowercase letters and digits in words joined by single '-', starting with a letter"
_SUFFIX = ".tmpl"
# Class-like names the generated modules import or define next to the plugin's class.
_TAKEN_NAMES = frozenset(
    {
        "CommandError",
        "Host",
        "Plugin",
        "PluginConformance",
        "PluginState",
        "Sample",
        "TestConformance",
    }
)


class ScaffoldError(PlughostError):
    """A plugin project cannot be scaffolded; the message says why and what to do.

    Raised before anything is written (an invalid name, a directory in the
    way) or after what was written has been removed again (an ``OSError``
    while writing).
    """


@dataclass(frozen=True)
class _Names:
    """Every name of a new plugin derived from its plugin name."""

    name: str
    distribution: str
    package: str
    class_name: str
    module: str

    def substitutions(self) -> dict[str, str]:
        """The values the templates may use, by placeholder."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "package": self.package,
            "class_name": self.class_name,
            "module": self.module,
            "year": str(datetime.date.today().year),
        }


def scaffold(name: str, directory: Path | None = None) -> list[Path]:
    """Write a new plugin project for plugin ``name`` into ``directory``.

    Args:
        name: the plugin's name, as users will type it in ``plughost run NAME``;
            see the module documentation for the rule.
        directory: where to write the project; ``./plughost-NAME`` by default.
            It must not exist, or be an empty directory.

    Returns:
        The files written, as absolute paths under ``directory``, sorted.

    Raises:
        ScaffoldError: the name is not valid for a new plugin, ``directory`` is
            in the way, or writing failed (then nothing is left behind).
    """
    names = _names(name)
    target = Path(os.path.abspath(directory if directory is not None else names.distribution))
    _check_target(target)
    files = _render(names)
    _write(target, files)
    return sorted(target.joinpath(*rel.parts) for rel in files)


# -- names --------------------------------------------------------------------


def _names(name: str) -> _Names:
    """Check ``name`` and derive the other names; raise ScaffoldError if it is not valid."""
    _check_name(name)
    words = name.split("-")
    names = _Names(
        name=name,
        distribution=f"plughost-{name}",
        package="plughost_" + "_".join(words),
        class_name="".join(w.capitalize() for w in words),
        module="_".join(words),
    )
    # The rule guarantees these; kept as a guard should the rule ever widen.
    if not (names.package.isidentifier() and names.class_name.isidentifier()):
        raise ScaffoldError(f"plugin name {name!r} does not make Python names; {_RULE}")
    return names


def _check_name(name: str) -> None:
    shown = _shown(name)
    if not name:
        raise ScaffoldError("the plugin name is empty; give one, for example 'word-count'")
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(
            f"plugin name {shown} is {len(name)} characters long; use at most {MAX_NAME_LENGTH}"
        )
    if not _NEW_NAME.fullmatch(name) or not is_plugin_name(name):
        if _NEW_NAME.fullmatch(name.lower()):
            raise ScaffoldError(
                f"plugin name {shown} has uppercase letters; plugin names are lowercase:"
                f" use {name.lower()!r}"
            )
        raise ScaffoldError(f"{shown} is not a valid name for a new plugin; {_hint(name)}")
    if name == "plughost":
        raise ScaffoldError(
            "'plughost' is the host's own name; name the plugin after what it does,"
            " for example 'word-count'"
        )
    if name.startswith("plughost-"):
        plain = name.removeprefix("plughost-")
        raise ScaffoldError(
            f"{shown} is a distribution name; give the plugin name {plain!r}: the"
            f" distribution is then called plughost-{plain}"
        )
    module = name.replace("-", "_")
    if keyword.iskeyword(module):
        raise ScaffoldError(
            f"plugin name {shown} is a Python keyword; choose another name, for example"
            f" '{name}-tools'"
        )
    class_name = "".join(w.capitalize() for w in name.split("-"))
    if keyword.iskeyword(class_name) or class_name in _TAKEN_NAMES:
        reason = (
            "a Python keyword"
            if keyword.iskeyword(class_name)
            else "a name the generated code already uses"
        )
        raise ScaffoldError(
            f"plugin name {shown} would make the class {class_name}, {reason}; choose"
            f" another name, for example '{name}-tools'"
        )


def _hint(name: str) -> str:
    """The rule, and the valid name meant when only case or separators are wrong."""
    lowered = name.lower()
    if re.fullmatch(r"[a-z0-9 ._-]+", lowered):
        candidate = re.sub(r"[ ._-]+", "-", lowered).strip("-")
        if _NEW_NAME.fullmatch(candidate):
            return f"{_RULE}: {candidate!r} would do"
    return _RULE


def _shown(name: str) -> str:
    """``name`` for a one-line message: quoted, and cut short when it is long."""
    return repr(name) if len(name) <= 40 else repr(name[:40]) + "..."


# -- the target directory -----------------------------------------------------


def _check_target(target: Path) -> None:
    """Refuse a target that exists and is not an empty directory."""
    if not os.path.lexists(target):
        return
    if not target.exists():
        raise ScaffoldError(
            f"{target} is a broken symbolic link; remove it or choose another directory"
        )
    if not target.is_dir():
        raise ScaffoldError(
            f"{target} exists and is not a directory; choose another directory for the project"
        )
    try:
        empty = next(os.scandir(target), None) is None
    except OSError as exc:
        raise ScaffoldError(
            f"cannot read directory {target} ({exc.strerror or exc}); choose another directory"
        ) from None
    if not empty:
        raise ScaffoldError(
            f"directory {target} already exists and is not empty; choose another directory,"
            " or remove it first"
        )


# -- templates ----------------------------------------------------------------


def _templates() -> Traversable:
    return resources.files("plughost._manage") / "templates" / "plugin"


def _walk(folder: Traversable, prefix: PurePosixPath) -> Iterator[tuple[PurePosixPath, str]]:
    """Each ``.tmpl`` file under ``folder``: its path (suffix removed) and its text."""
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _walk(entry, prefix / entry.name)
        elif entry.name.endswith(_SUFFIX):
            rel = prefix / entry.name.removesuffix(_SUFFIX)
            yield rel, entry.read_text(encoding="utf-8")


def _destination(rel: PurePosixPath, names: _Names) -> PurePosixPath:
    """Where the template at ``rel`` goes in the project."""
    parts = list(rel.parts)
    if parts == ["gitignore"]:
        return PurePosixPath(".gitignore")
    if parts[:2] == ["src", "package"]:
        parts[1] = names.package
    if parts == ["tests", "test_plugin.py"]:
        parts[1] = f"test_{names.module}.py"
    return PurePosixPath(*parts)


def _render(names: _Names) -> dict[PurePosixPath, str]:
    """Every file of the project, by relative path, rendered in memory."""
    values = names.substitutions()
    files: dict[PurePosixPath, str] = {}
    try:
        for rel, text in _walk(_templates(), PurePosixPath()):
            try:
                files[_destination(rel, names)] = string.Template(text).substitute(values)
            except (KeyError, ValueError) as exc:
                raise ScaffoldError(
                    f"the plugin template {rel}{_SUFFIX} of this plughost installation is"
                    f" broken ({type(exc).__name__}: {exc}); reinstall plughost"
                ) from None
    except OSError as exc:
        raise ScaffoldError(
            f"cannot read the plugin templates of this plughost installation ({exc});"
            " reinstall plughost"
        ) from None
    if not files:
        raise ScaffoldError(
            "the plugin templates are missing from this plughost installation; reinstall plughost"
        )
    return files


# -- writing ------------------------------------------------------------------


def _write(target: Path, files: dict[PurePosixPath, str]) -> None:
    """Write ``files`` to ``target`` all at once, or not at all."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = _staging_dir(target)
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        for rel, text in files.items():
            path = staging.joinpath(*rel.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        if os.path.lexists(target):
            _move_entries(staging, target)
        else:
            os.rename(staging, target)
    except OSError as exc:
        raise _write_error(target, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_dir(target: Path) -> Path:
    """A new, empty directory next to ``target`` (same file system), mode as umask allows."""
    while True:
        staging = target.with_name(f".{target.name}-{secrets.token_hex(4)}.tmp")
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging


def _move_entries(staging: Path, target: Path) -> None:
    """Move the entries of ``staging`` into the empty directory ``target``; undo on failure."""
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            destination = target / entry.name
            if os.path.lexists(destination):
                raise FileExistsError(f"{destination} appeared while the project was being written")
            os.rename(entry, destination)
            moved.append(destination)
    except BaseException:
        for path in reversed(moved):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def _write_error(target: Path, exc: OSError) -> ScaffoldError:
    reason = exc.strerror or str(exc)
    # A path in the staging directory means nothing to the user: leave it out.
    staging = re.compile(rf"\.{re.escape(target.name)}-[0-9a-f]{{8}}\.tmp")
    where = ""
    if isinstance(exc.filename, str) and not any(
        staging.fullmatch(part) for part in Path(exc.filename).parts
    ):
        where = f" ({exc.filename})"
    return ScaffoldError(
        f"cannot write the project to {target}: {reason}{where}; nothing was written: fix"
        " that, or choose another directory"
    )
