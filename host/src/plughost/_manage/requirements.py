"""Requirements files (``plughost install -r FILE``), read the way pip reads them, and safely.

The format is pip's: one requirement per line, ``#`` comments, a trailing
backslash joining lines, ``${NAME}`` replaced by the environment variable,
``-r OTHER`` (relative to the file that names it) including another file.
Of pip's options a file may hold those ``plughost install`` takes on its
command line (``-e``, ``-i``/``--index-url``, ``--extra-index-url``,
``-f``/``--find-links``, relative to the file when it exists there, as pip
does, ``--no-index``, ``--pre``), and ``--hash`` after a requirement
(pip's hash-checking mode). Anything else is refused with the file and line.

The file is read once, by plughost, and what pip gets is plughost's own copy
of the checked lines, so a file changed in between cannot slip past the
checks. It must be a regular file of at most :data:`FILE_LIMIT` bytes of
UTF-8 (a FIFO, ``/dev/zero``, a folder or a binary file is refused without
being read), and includes may neither loop nor go deeper than
:data:`DEPTH_LIMIT` or past :data:`FILES_LIMIT` files.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .children import InstallError

__all__ = ["FILE_LIMIT", "Requirements", "Spec", "read_requirements"]

#: The largest requirements file read.
FILE_LIMIT = 1 << 20
#: How deep ``-r`` may nest, and how many files one install may read.
DEPTH_LIMIT = 16
FILES_LIMIT = 64
_HASH = re.compile(r"(sha256|sha384|sha512):[0-9a-fA-F]{32,128}")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
#: Options a file may hold, each with whether it takes a value; short forms mapped to long.
_TAKES_VALUE = {
    "--requirement": True,
    "--editable": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--find-links": True,
    "--no-index": False,
    "--pre": False,
}
_SHORT = {"-r": "--requirement", "-e": "--editable", "-i": "--index-url", "-f": "--find-links"}


@dataclass(frozen=True)
class Spec:
    """One requirement: as the user wrote it, where (``FILE:LINE``, or ``""``), its hashes."""

    text: str
    origin: str = ""
    hashes: tuple[str, ...] = ()

    def where(self) -> str:
        """``FILE:LINE: `` for messages about a line of a file, else nothing."""
        return f"{self.origin}: " if self.origin else ""

    def line(self) -> str:
        """The line for pip's requirements file: the requirement and its ``--hash`` options."""
        return " ".join([self.text, *(f"--hash={h}" for h in self.hashes)])


@dataclass
class Requirements:
    """What requirements files asked for: requirements, editables, and pip options."""

    specs: list[Spec] = field(default_factory=list)
    editables: list[Spec] = field(default_factory=list)
    #: ``(option, value or None, FILE:LINE)``, long option names.
    options: list[tuple[str, str | None, str]] = field(default_factory=list)


def read_requirements(paths: Sequence[str]) -> Requirements:
    """Read the requirements files ``paths`` (and those they include) with every check."""
    found = Requirements()
    reader = _Reader(found)
    for path in paths:
        reader.read(path, "", ())
    return found


class _Reader:
    def __init__(self, found: Requirements) -> None:
        self.found = found
        self.files = 0

    def read(self, path: str, origin: str, stack: tuple[str, ...]) -> None:
        where = f"{origin}: " if origin else ""
        real = os.path.realpath(path)
        if real in stack:
            raise InstallError(
                f"{where}-r {path} includes a requirements file that includes it (a loop);"
                " nothing was changed: remove the loop"
            )
        if len(stack) >= DEPTH_LIMIT or self.files >= FILES_LIMIT:
            raise InstallError(
                f"{where}-r {path}: requirements files nest deeper than {DEPTH_LIMIT} or"
                f" number more than {FILES_LIMIT}; nothing was changed: flatten them"
            )
        self.files += 1
        text = _read_text(path, where)
        for number, line in _logical_lines(text):
            self._line(line, f"{path}:{number}", os.path.dirname(path), (*stack, real))

    def _line(self, line: str, origin: str, folder: str, stack: tuple[str, ...]) -> None:
        requirement, options = _split(line)
        try:
            words = shlex.split(options)
        except ValueError as exc:
            raise InstallError(f"{origin}: cannot read {options!r} ({exc}); fix the line") from None
        if requirement:
            hashes = tuple(_hashes(words, origin))
            self.found.specs.append(Spec(requirement, origin, hashes))
            return
        for option, value in _options(words, origin):
            if option == "--requirement":
                assert value is not None
                if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value):
                    raise InstallError(
                        f"{origin}: -r {value}: plughost reads requirements files from disk"
                        " only; download it, look at it, then give its path"
                    )
                self.read(os.path.join(folder, value), origin, stack)
            elif option == "--editable":
                assert value is not None
                self.found.editables.append(Spec(value, origin))
            else:
                if option == "--find-links" and value is not None:
                    beside = os.path.join(folder, value)
                    value = beside if os.path.exists(beside) else value
                self.found.options.append((option, value, origin))


def _read_text(path: str, where: str) -> str:
    """The text of the requirements file ``path``: a regular file, small, UTF-8."""
    try:
        # Non-blocking: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InstallError(
            f"{where}cannot read the requirements file {path} ({exc.strerror}); give the"
            " path of a requirements file"
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, socket or device"
        raise InstallError(
            f"{where}{path} is {kind}, not a requirements file; nothing was changed:"
            " give the path of a regular file"
        )
    with os.fdopen(fd, "rb") as f:
        data = f.read(FILE_LIMIT + 1)
    if len(data) > FILE_LIMIT:
        raise InstallError(
            f"{where}the requirements file {path} is larger than {FILE_LIMIT >> 20} MiB;"
            " nothing was changed: give a requirements file, or split it"
        )
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = ""
    if "\0" in text or (data and not text):
        raise InstallError(
            f"{where}{path} is not a text file in UTF-8; nothing was changed: give a"
            " requirements file"
        )
    return text


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines of a requirements file, joined, without comments, variables replaced (pip's)."""
    joined: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line  # a comment ends a continued line, as in pip
            if joined:
                line, number = "".join([*joined, line]), first
                joined = []
        else:
            first = first if joined else number
            joined.append(line.strip("\\"))
            continue
        line = _COMMENT.sub("", line).strip()
        if line:
            yield number, _VARIABLE.sub(lambda m: os.environ.get(m.group(1), m.group()), line)
    if joined:
        line = _COMMENT.sub("", "".join(joined)).strip()
        if line:
            yield first, line


def _split(line: str) -> tuple[str, str]:
    """pip's split of a line: the requirement, up to the first word starting with ``-``."""
    words = line.split(" ")
    for i, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:i]).strip(), " ".join(words[i:])
    return line, ""


def _hashes(words: Sequence[str], origin: str) -> Iterator[str]:
    items = iter(words)
    for word in items:
        flag, eq, value = word.partition("=")
        if flag != "--hash":
            raise InstallError(
                f"{origin}: plughost install takes no {flag} after a requirement, only --hash;"
                " nothing was changed: remove it, or run `python -m pip` yourself"
            )
        found = value if eq else next(items, "")
        if not _HASH.fullmatch(found):
            raise InstallError(
                f"{origin}: {found!r} is not a hash pip checks; write --hash=sha256:HEX"
            )
        yield found


def _options(words: Sequence[str], origin: str) -> Iterator[tuple[str, str | None]]:
    items = iter(words)
    for word in items:
        flag, eq, inline = word.partition("=")
        if flag[:2] in _SHORT and not flag.startswith("--"):
            flag, inline, eq = _SHORT[flag[:2]], word[2:] or inline, "=" if word[2:] else eq
        takes_value = _TAKES_VALUE.get(flag)
        if takes_value is None:
            raise InstallError(
                f"{origin}: plughost install does not pass {flag} from a requirements file to"
                " pip, only -r, -e, -i/--index-url, --extra-index-url, -f/--find-links,"
                " --no-index, --pre and --hash; nothing was changed: remove it, or run"
                " `python -m pip` yourself"
            )
        if not takes_value:
            yield flag, None
            continue
        value = inline if eq else next(items, None)
        if not value:
            raise InstallError(f"{origin}: {flag} needs a value; give it after {flag}")
        yield flag, value
