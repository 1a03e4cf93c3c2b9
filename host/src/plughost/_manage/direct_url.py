"""Where an installed distribution came from (PEP 610 ``direct_url.json``), and how to get it again.

From an index there is no ``direct_url.json``; a direct reference (a wheel or
sdist file, a project folder, a URL, a VCS commit) and an editable install
have one. :func:`requirement_line` writes the distribution the way
``pip freeze`` does, :func:`reinstall_command` the ``plughost install`` that
puts its files back. The file is someone else's text: it is read without
blocking (never a FIFO) and bounded, and a URL, commit or subdirectory with
whitespace or control characters in it is not used (it could smuggle a
second line into a requirements file), so the distribution is then written
as from an index, and ``problem`` says why.

Only the standard library is imported: the ``verify = true`` path of every
plugin load may need a reinstall command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from dataclasses import dataclass
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

__all__ = ["Origin", "read_origin", "reinstall_command", "requirement_line"]

_LIMIT = 1 << 16
_VCS = ("git", "hg", "svn", "bzr")


@dataclass(frozen=True)
class Origin:
    """A direct reference: its URL, and what kind (editable, VCS commit, archive hash)."""

    url: str
    editable: bool = False
    vcs: str | None = None
    commit: str | None = None
    subdirectory: str | None = None
    hash: str | None = None

    def path(self) -> str | None:
        """The local path of a ``file:`` URL, else ``None``."""
        parsed = urlparse(self.url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            return None
        return os.path.normpath(url2pathname(unquote(parsed.path)))

    def reference(self) -> str:
        """The URL as a PEP 508 direct reference gives it (``git+URL@COMMIT#subdirectory=``)."""
        url = f"{self.vcs}+{self.url}@{self.commit}" if self.vcs else self.url
        fragments = [self.hash] if self.hash and not self.vcs else []
        fragments += [f"subdirectory={self.subdirectory}"] if self.subdirectory else []
        return f"{url}#{'&'.join(fragments)}" if fragments else url


def read_origin(info: str | None) -> tuple[Origin | None, str]:
    """The direct reference recorded in the ``.dist-info`` folder ``info``, and any problem.

    ``(None, "")`` for a distribution from an index; ``(None, why)`` when
    the record cannot be used.
    """
    if not info:
        return None, ""
    path = os.path.join(info, "direct_url.json")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"its direct_url.json cannot be read ({exc.strerror})"
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None, "its direct_url.json is not a regular file"
    with os.fdopen(fd, "rb") as f:
        data = f.read(_LIMIT + 1)
    try:
        if len(data) > _LIMIT:
            raise ValueError("too large")
        return _parse(json.loads(data.decode("utf-8"))), ""
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        return None, f"its direct_url.json cannot be used ({exc})"


def _parse(data: object) -> Origin:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    url = _safe(data["url"], "url")
    sub = data.get("subdirectory")
    sub = _safe(sub, "subdirectory") if sub is not None else None
    if sub is not None and ("&" in sub or "#" in sub):
        raise ValueError("a subdirectory with & or #")
    if isinstance(data.get("vcs_info"), dict):
        vcs = _safe(data["vcs_info"]["vcs"], "vcs")
        if vcs not in _VCS:
            raise ValueError(f"unknown version control {vcs!r}")
        commit = _safe(data["vcs_info"]["commit_id"], "commit_id")
        return Origin(url, vcs=vcs, commit=commit, subdirectory=sub)
    if isinstance(data.get("dir_info"), dict):
        return Origin(url, editable=data["dir_info"].get("editable") is True, subdirectory=sub)
    archive = data.get("archive_info")
    if not isinstance(archive, dict):
        raise ValueError("no archive_info, dir_info or vcs_info")
    digest = archive.get("hash")
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        digest = f"sha256={hashes['sha256']}"
    if digest is not None and not re.fullmatch(r"(sha256|sha384|sha512)=[0-9a-fA-F]+", digest):
        raise ValueError("a malformed hash")
    return Origin(url, subdirectory=sub, hash=digest)


def _safe(value: object, what: str) -> str:
    # isprintable() is false for controls, bidi and format characters and
    # line separators; a space would end the requirement.
    if not isinstance(value, str) or not value.isprintable() or " " in value or not value:
        raise ValueError(f"{what} is not one word of printable characters")
    return value


def requirement_line(name: str, version: str, origin: Origin | None) -> str:
    """The distribution as ``pip freeze`` writes it: ``name==version``, ``name @ URL``, ``-e PATH``.

    (pip adds a comment line above an editable; the requirement is the same.)
    """
    if origin is None:
        return f"{name}=={version}"
    path = origin.path()
    if origin.editable and path is not None:
        return f"-e {shlex.quote(path)}"  # pip reads an option line as shell words
    if origin.editable:
        return f"-e {origin.reference()}"
    return f"{name} @ {origin.reference()}"


def reinstall_command(name: str, version: str, info: str | None) -> str:
    """The ``plughost install`` that reinstalls the distribution at ``info`` the way it came.

    From an index, the same release (``--force-reinstall NAME==VERSION``); a
    direct reference, from its original path or URL; an editable, with
    ``-e`` and its project folder.
    """
    origin, _ = read_origin(info)
    if origin is None:
        return f"plughost install --force-reinstall {name}=={version}"
    path = origin.path()
    if origin.editable:
        return f"plughost install -e {shlex.quote(path or origin.reference())}"
    if path is not None and not origin.subdirectory:
        return f"plughost install --force-reinstall {shlex.quote(path)}"
    return f"plughost install --force-reinstall {shlex.quote(f'{name} @ {origin.reference()}')}"
