"""Integrity checks over real installed fixture distributions.

The ``verify-*`` projects in ``tests/packages/`` are installed with the real
pip into a site of this module's own; each test that changes files works on
a copy. RECORD paths are relative, so a copy verifies like the original.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plughost._manage.verify import (
    MISMATCH_KINDS,
    WARNING_KINDS,
    DistVerification,
    FileProblem,
    VerifyCache,
    first_mismatch,
    installed_dist_infos,
    verify_distribution,
)
from support import PACKAGES, PluginEnv, pip_install_target

VERIFY_FIXTURES = ["verify-plugin", "verify-pth", "verify-shared-a", "verify-shared-b"]
PLUGIN = "plughost_fixture_verify_plugin"
MODULE = f"{PLUGIN}/__init__.py"
WORDS = f"{PLUGIN}/words.txt"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The verify fixtures, installed once with pip; never changed."""
    site = tmp_path_factory.mktemp("verify-site")
    pip_install_target(site, [PACKAGES / name for name in VERIFY_FIXTURES])
    return site


@pytest.fixture
def site(installed: Path, tmp_path: Path) -> Path:
    """A copy of the installed site that the test may change."""
    copy = tmp_path / "site"
    shutil.copytree(installed, copy, symlinks=True)
    return copy


def dist_info(site: Path, project: str) -> Path:
    """The dist-info directory of fixture ``project`` (e.g. ``verify-plugin``) in ``site``."""
    name = "plughost_fixture_" + project.replace("-", "_")
    (found,) = site.glob(f"{name}-*.dist-info")
    return found


def all_dist_infos(site: Path) -> list[str]:
    return sorted(str(p) for p in site.glob("*.dist-info"))


def record_rows(dist: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((dist / "RECORD").read_text(), newline="")))


def write_record(dist: Path, rows: list[list[str]]) -> None:
    with open(dist / "RECORD", "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def kinds(result: DistVerification) -> list[tuple[str, str]]:
    return [(p.kind, p.path) for p in result.problems]


def check_consistent(dist: Path, result: DistVerification) -> None:
    """first_mismatch agrees with verify_distribution, and every detail is one line."""
    first = first_mismatch(dist)
    assert (first is None) == result.ok
    if first is not None:
        assert first in result.problems
        assert first.mismatch
    for problem in result.problems:
        assert problem.kind in MISMATCH_KINDS | WARNING_KINDS
        assert "\n" not in problem.detail
        assert "\n" not in problem.describe()
    json.dumps(result.to_dict())


# -- clean, changed, missing ---------------------------------------------------


def test_a_clean_install_verifies(installed: Path) -> None:
    dist = dist_info(installed, "verify-plugin")
    result = verify_distribution(dist, others=all_dist_infos(installed))
    assert result.ok
    assert result.problems == ()
    assert result.distribution == "plughost-fixture-verify-plugin"
    assert result.version == "1.0.0"
    assert result.path == str(dist)
    hashed = [row for row in record_rows(dist) if row[1]]
    assert result.files_checked == len(hashed) > 0
    assert first_mismatch(dist) is None
    data = result.to_dict()
    assert data == json.loads(json.dumps(data))
    assert data["ok"] is True
    assert data["files_checked"] == len(hashed)
    assert data["problems"] == []


def test_greeter_of_the_test_environment_verifies() -> None:
    dist = importlib.metadata.distribution("plughost-greeter")
    path = os.path.normpath(os.path.abspath(str(getattr(dist, "_path"))))  # noqa: B009
    others = installed_dist_infos()
    assert path in others
    result = verify_distribution(path, others=others)
    assert result.ok, result.problems
    assert result.problems == ()
    assert result.distribution == "plughost-greeter"
    assert result.files_checked > 0


def test_an_edited_file_is_changed_and_named(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    module = site / MODULE
    size = module.stat().st_size
    module.write_text(module.read_text() + "\nprint('edited')\n")
    result = verify_distribution(dist)
    assert not result.ok
    assert result.problems == (
        FileProblem(MODULE, "changed", f"size {module.stat().st_size}, RECORD says {size}"),
    )
    assert first_mismatch(dist) == result.problems[0]
    check_consistent(dist, result)


def test_an_edit_of_the_same_size_is_found_by_the_hash(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    words = site / WORDS
    words.write_text(words.read_text().replace("unchanged", "UNCHANGED"))
    result = verify_distribution(dist)
    assert result.problems == (FileProblem(WORDS, "changed", "sha256 differs from RECORD"),)
    check_consistent(dist, result)


def test_a_deleted_file_is_missing(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    (site / WORDS).unlink()
    result = verify_distribution(dist)
    assert kinds(result) == [("missing", WORDS)]
    check_consistent(dist, result)


@pytest.mark.parametrize("replacement", ["directory", "fifo"])
def test_a_file_replaced_by_something_else_is_changed(site: Path, replacement: str) -> None:
    dist = dist_info(site, "verify-plugin")
    words = site / WORDS
    words.unlink()
    if replacement == "directory":
        words.mkdir()
    else:
        os.mkfifo(words)  # never opened: reading it would block
    result = verify_distribution(dist)
    assert result.problems == (FileProblem(WORDS, "changed", "no longer a regular file"),)
    check_consistent(dist, result)


def test_a_missing_package_directory_reports_every_file(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    shutil.rmtree(site / PLUGIN)
    result = verify_distribution(dist)
    assert {p.path for p in result.problems} == {
        MODULE,
        f"{PLUGIN}/_words.py",
        WORDS,
    }
    assert {p.kind for p in result.problems} == {"missing"}
    check_consistent(dist, result)


# -- RECORD that cannot be trusted -------------------------------------------------


def test_without_record_nothing_can_be_verified(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    (dist / "RECORD").unlink()
    result = verify_distribution(dist)
    assert not result.ok
    assert result.files_checked == 0
    (problem,) = result.problems
    assert problem.kind == "unverifiable"
    assert problem.path == f"{dist.name}/RECORD"
    assert "RECORD is missing" in problem.detail
    assert result.distribution == "plughost-fixture-verify-plugin"
    check_consistent(dist, result)


def test_record_stripped_of_hashes_is_unverifiable(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    write_record(dist, [[row[0], "", ""] for row in record_rows(dist)])
    result = verify_distribution(dist)
    assert result.files_checked == 0
    assert result.problems == (
        FileProblem(
            f"{dist.name}/RECORD",
            "unverifiable",
            "RECORD lists no hashes",
        ),
    )
    check_consistent(dist, result)


def test_record_listing_only_itself_is_unverifiable(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    write_record(dist, [[f"{dist.name}/RECORD", "", ""]])
    result = verify_distribution(dist)
    assert [p.kind for p in result.problems] == ["unverifiable"]
    check_consistent(dist, result)


def test_one_entry_without_a_hash_is_unverifiable_but_pyc_and_record_are_not(
    site: Path,
) -> None:
    dist = dist_info(site, "verify-plugin")
    rows = record_rows(dist)
    assert any(row[0].endswith(".pyc") and not row[1] for row in rows)
    assert [f"{dist.name}/RECORD", "", ""] in rows
    write_record(dist, [[r[0], "", ""] if r[0] == WORDS else r for r in rows])
    result = verify_distribution(dist)
    assert result.problems == (FileProblem(WORDS, "unverifiable", "RECORD gives no hash"),)
    check_consistent(dist, result)


def test_stronger_algorithms_are_verified_and_weak_ones_refused(site: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    data = (site / WORDS).read_bytes()
    rows = record_rows(dist)

    def with_hash(value: str) -> DistVerification:
        write_record(dist, [[r[0], value, r[2]] if r[0] == WORDS else r for r in rows])
        return verify_distribution(dist)

    assert with_hash("sha512=" + b64(hashlib.sha512(data).digest())).ok
    assert with_hash("SHA384=" + b64(hashlib.sha384(data).digest())).ok
    wrong = with_hash("sha512=" + b64(hashlib.sha512(data + b"x").digest()))
    assert wrong.problems == (FileProblem(WORDS, "changed", "sha512 differs from RECORD"),)
    for weak in ("md5", "sha1"):
        refused = with_hash(f"{weak}=" + b64(hashlib.new(weak, data).digest()))
        assert kinds(refused) == [("unverifiable", WORDS)]
        assert "not accepted" in refused.problems[0].detail
    unknown = with_hash("sha999=AAAA")
    assert kinds(unknown) == [("unverifiable", WORDS)]


MALFORMED: dict[str, tuple[str, str, str]] = {
    # appended RECORD line -> (path of the problem, fragment of the detail);
    # {n} is the number of the appended line.
    "two fields": ("extra.py,sha256=abc\n", "extra.py", "RECORD line {n} is not path,hash,size"),
    "four fields": ("extra.py,sha256=abc,3,4\n", "extra.py", "is not path,hash,size"),
    "no path": (",sha256=abc,3\n", "RECORD line {n}", "is not path,hash,size"),
    "hash without =": ("extra.py,sha256,3\n", "extra.py", "is not algorithm=digest"),
    "digest not base64": ("extra.py,sha256=!!!!,3\n", "extra.py", "is not a sha256 digest"),
    "digest too short": ("extra.py,sha256=AAAA,3\n", "extra.py", "is not a sha256 digest"),
    "size not a number": (
        f"extra.py,sha256={b64(bytes(32))},three\n",
        "extra.py",
        "size 'three' is not a number",
    ),
    "negative size": (f"extra.py,sha256={b64(bytes(32))},-3\n", "extra.py", "is not a number"),
    "NUL in the path": ("extra\0.py,sha256=abc,3\n", "extra\0.py", "NUL character"),
    "unterminated quote": ('"extra.py,sha256=abc,3\n', "extra.py,sha256=abc,3\n", "line {n}"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_record_line_is_one_clear_problem(site: Path, case: str) -> None:
    dist = dist_info(site, "verify-plugin")
    text, path, fragment = MALFORMED[case]
    n = len(record_rows(dist)) + 1
    with open(dist / "RECORD", "a", newline="") as f:
        f.write(text)
    result = verify_distribution(dist)
    (problem,) = result.problems
    assert problem.kind == "unverifiable"
    assert problem.path == path.format(n=n)
    assert fragment.format(n=n) in problem.detail
    assert "\n" not in problem.describe()
    # The well-formed lines are still checked.
    assert result.files_checked == 10
    check_consistent(dist, result)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe not utf-8", "cannot read RECORD"),
        (b"x" * 200_000 + b",sha256=abc,3\n", "RECORD is malformed at line 1"),
        (b"", "RECORD lists no files"),
    ],
)
def test_an_unreadable_record_is_one_clear_problem(
    site: Path, content: bytes, fragment: str
) -> None:
    dist = dist_info(site, "verify-plugin")
    (dist / "RECORD").write_bytes(content)
    result = verify_distribution(dist)
    (problem,) = result.problems
    assert problem.kind == "unverifiable"
    assert fragment in problem.detail
    check_consistent(dist, result)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.lists(
                st.one_of(
                    st.text(max_size=30),
                    st.sampled_from(["../../bin/x", "/etc/hostname", "sha256=", "sha256=AAAA"]),
                ),
                max_size=4,
            ),
            max_size=6,
        ).map(lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "replace")),
    )
)
def test_any_record_gives_problems_never_a_traceback(site: Path, content: bytes) -> None:
    dist = dist_info(site, "verify-plugin")
    (dist / "RECORD").write_bytes(content)
    result = verify_distribution(dist, others=all_dist_infos(site))
    check_consistent(dist, result)
    # A RECORD that is not the installer's never verifies clean.
    assert not result.ok


def _verify_in_time(dist: Path) -> DistVerification:
    results: list[DistVerification] = []
    worker = threading.Thread(target=lambda: results.append(verify_distribution(dist)))
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "verify_distribution blocked on a FIFO"
    (result,) = results
    return result


def test_fifos_where_files_belong_never_block(site: Path) -> None:
    dist = dist_info(site, "verify-pth")
    pth = "plughost_fixture_verify_pth_exec.pth"
    for path in (dist / "METADATA", site / pth):
        path.unlink()
        os.mkfifo(path)
    result = _verify_in_time(dist)
    assert (result.distribution, result.version) == ("plughost_fixture_verify_pth", "1.0.0")
    assert kinds(result) == [
        ("changed", f"{dist.name}/METADATA"),
        ("changed", pth),
    ]
    (dist / "RECORD").unlink()
    os.mkfifo(dist / "RECORD")
    result = _verify_in_time(dist)
    assert result.problems == (
        FileProblem(
            f"{dist.name}/RECORD", "unverifiable", "cannot read RECORD: not a regular file"
        ),
    )


# -- paths outside the site directory ------------------------------------------------


def test_paths_outside_the_site_are_checked_by_absolute_path_and_never_written(
    site: Path, tmp_path: Path
) -> None:
    dist = dist_info(site, "verify-plugin")
    outside = tmp_path / "bin" / "verify-plugin-tool"
    outside.parent.mkdir()
    outside.write_bytes(b"#!/bin/sh\necho tool\n")
    data = outside.read_bytes()
    rows = record_rows(dist)
    rows.append(["../bin/verify-plugin-tool", "sha256=" + b64(hashlib.sha256(data).digest()), "20"])
    rows.append(["../../bin/never-installed", "sha256=" + b64(bytes(32)), "1"])
    write_record(dist, rows)
    result = verify_distribution(dist)
    assert kinds(result) == [("missing", os.path.normpath(site / "../../bin/never-installed"))]
    assert result.files_checked == 12
    outside.write_bytes(data.replace(b"tool", b"evil"))
    result = verify_distribution(dist)
    assert ("changed", str(outside)) in kinds(result)
    assert outside.read_bytes() == data.replace(b"tool", b"evil")
    check_consistent(dist, result)


# -- what a distribution installs beyond its package ---------------------------------


def test_a_pth_file_that_executes_code_is_flagged(installed: Path) -> None:
    dist = dist_info(installed, "verify-pth")
    result = verify_distribution(dist, others=all_dist_infos(installed))
    assert result.ok, "a warning, not a mismatch"
    (problem,) = result.problems
    assert problem.kind == "executable-pth"
    assert problem.path == "plughost_fixture_verify_pth_exec.pth"
    assert "line 2" in problem.detail
    assert "import os; os.environ.setdefault" in problem.detail
    assert first_mismatch(dist) is None
    # The other .pth file only looks like code; site.py runs none of it.
    assert (installed / "plughost_fixture_verify_pth_paths.pth").exists()
    assert "import os" in (installed / "plughost_fixture_verify_pth_paths.pth").read_text()


def test_the_flagged_pth_line_really_runs_at_start_up(installed: Path) -> None:
    code = (
        "import os, site, sys; site.addsitedir(sys.argv[1]);"
        " print(os.environ.get('PLUGHOST_FIXTURE_VERIFY_PTH'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PLUGHOST_FIXTURE_VERIFY_PTH"}
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(installed)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    assert out.stdout.strip() == "ran"


# Each line in a .pth of its own: does site.py execute it, and is it flagged?
PTH_LINES: dict[str, bytes] = {
    "import-space": b"import os; os.environ['PTH_CASE'] += ' import-space'\n",
    "import-tab": b"import\tos; os.environ['PTH_CASE'] += ' import-tab'\n",
    "after-comment": b"# a comment\n\nimport os; os.environ['PTH_CASE'] += ' after-comment'\n",
    "crlf": b"# windows\r\nimport os; os.environ['PTH_CASE'] += ' crlf'\r\n",
    "indented": b" import os; os.environ['PTH_CASE'] += ' indented'\n",
    "comment": b"#import os; os.environ['PTH_CASE'] += ' comment'\n",
    "no-blank": b"importos\n",
    "upper": b"IMPORT os\n",
    "path-only": b"some-directory\n",
    # Executed only by the Pythons that decode with utf-8-sig, or that split
    # lines with str.splitlines: flagged everywhere, to be safe.
    "bom": b"\xef\xbb\xbfimport os; os.environ['PTH_CASE'] += ' bom'\n",
    "form-feed": b"x\x0cimport os; os.environ['PTH_CASE'] += ' form-feed'\n",
}
SOMETIMES = {"bom", "form-feed"}
FLAGGED = {"import-space", "import-tab", "after-comment", "crlf", *SOMETIMES}


def test_pth_detection_matches_what_site_py_executes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "pth_cases-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pth-cases\nVersion: 1.0\n")
    rows = [[f"{dist.name}/RECORD", "", ""]]
    for case, data in PTH_LINES.items():
        (site / f"{case}.pth").write_bytes(data)
        rows.append([f"{case}.pth", "sha256=" + b64(hashlib.sha256(data).digest()), str(len(data))])
    pkg = site / "pth_cases"
    pkg.mkdir()
    (pkg / "inert.pth").write_bytes(PTH_LINES["import-space"])
    rows.append(["pth_cases/inert.pth", "", ""])
    write_record(dist, rows)
    result = verify_distribution(dist)
    flagged = {p.path.removesuffix(".pth") for p in result.problems if p.kind == "executable-pth"}
    assert flagged == FLAGGED
    code = "import os, site, sys; site.addsitedir(sys.argv[1]); print(os.environ['PTH_CASE'])"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "PTH_CASE": ""},
        check=True,
        timeout=300,
    )
    executed = set(out.stdout.split())
    assert FLAGGED - SOMETIMES <= executed <= flagged


def test_files_installed_by_two_distributions_are_shared(installed: Path) -> None:
    others = all_dist_infos(installed)
    a = verify_distribution(dist_info(installed, "verify-shared-a"), others=others)
    b = verify_distribution(dist_info(installed, "verify-shared-b"), others=others)
    modules = ["plughost_fixture_verify_shared.py", "plughost_fixture_verify_shared_owner.py"]
    for result, other in (
        (a, "plughost-fixture-verify-shared-b 2.0.0"),
        (b, "plughost-fixture-verify-shared-a 1.0.0"),
    ):
        shared = [p for p in result.problems if p.kind == "shared"]
        assert [p.path for p in shared] == modules
        assert {p.detail for p in shared} == {f"also installed by {other}"}
    # The identical module verifies for both; the owner module is the last
    # installer's copy, so the other distribution's RECORD no longer matches it.
    owner = (installed / modules[1]).read_text()
    winner, loser = (a, b) if a.distribution in owner else (b, a)
    assert winner.ok
    mismatches = [p for p in loser.problems if p.mismatch]
    assert mismatches == [FileProblem(modules[1], "changed", "sha256 differs from RECORD")]
    # Without the other distributions, or against itself only, nothing is shared.
    alone = verify_distribution(dist_info(installed, "verify-shared-a"))
    assert not [p for p in alone.problems if p.kind == "shared"]
    itself = verify_distribution(a.path, others=[a.path])
    assert not [p for p in itself.problems if p.kind == "shared"]
    plugin = verify_distribution(dist_info(installed, "verify-plugin"), others=others)
    assert plugin.problems == ()


# -- the cache -----------------------------------------------------------------------


def cache_path(cache_dir: Path, dist: Path) -> Path:
    path = VerifyCache(cache_dir).path_for(dist)
    assert path is not None
    return path


def test_a_second_run_reads_no_file(site: Path, tmp_path: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    cold = VerifyCache(tmp_path / "cache", settle=0)
    first = verify_distribution(dist, cache=cold)
    assert first.ok
    assert (cold.reads, cold.hits) == (first.files_checked, 0)
    shard = cold.path_for(dist)
    assert shard is not None
    assert shard.parent == tmp_path / "cache"
    assert shard.exists()
    warm = VerifyCache(tmp_path / "cache", settle=0)
    second = verify_distribution(dist, cache=warm)
    assert second == first
    assert (warm.reads, warm.hits) == (0, first.files_checked)
    assert first_mismatch(dist, cache=warm) is None
    assert warm.reads == 0


def test_the_cached_digest_is_used_until_the_file_changes(site: Path, tmp_path: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    cache_dir = tmp_path / "cache"
    verify_distribution(dist, cache=VerifyCache(cache_dir, settle=0))
    # Poison the remembered digest of words.txt: a run that trusts the cache
    # now calls the intact file changed, which proves the file was not read.
    cache_file = cache_path(cache_dir, dist)
    data = json.loads(cache_file.read_text())
    words = str(site / WORDS)
    data["files"][words][5] = b64(hashlib.sha256(b"something else").digest())
    cache_file.write_text(json.dumps(data))
    cache = VerifyCache(cache_dir, settle=0)
    assert verify_distribution(dist, cache=cache).problems == (
        FileProblem(WORDS, "changed", "sha256 differs from RECORD"),
    )
    assert cache.reads == 0
    # A new mtime invalidates the entry: the file is read again, and is intact.
    stat = os.stat(words)
    os.utime(words, ns=(stat.st_atime_ns, stat.st_mtime_ns - 1_000_000_000))
    cache = VerifyCache(cache_dir, settle=0)
    assert verify_distribution(dist, cache=cache).ok
    assert cache.reads == 1


def test_an_edit_hidden_by_restoring_size_and_mtime_is_still_found(
    site: Path, tmp_path: Path
) -> None:
    dist = dist_info(site, "verify-plugin")
    cache_dir = tmp_path / "cache"
    verify_distribution(dist, cache=VerifyCache(cache_dir, settle=0))
    words = site / WORDS
    before = words.stat()
    words.write_text(words.read_text().replace("unchanged", "tampered!"))
    os.utime(words, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = words.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    cache = VerifyCache(cache_dir, settle=0)
    result = verify_distribution(dist, cache=cache)
    # The ctime moved with the write, so the cache entry no longer applies.
    assert result.problems == (FileProblem(WORDS, "changed", "sha256 differs from RECORD"),)
    assert cache.reads == 1


def test_files_changed_a_moment_ago_are_not_remembered(site: Path, tmp_path: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    cache = VerifyCache(tmp_path / "cache", settle=3600)
    verify_distribution(dist, cache=cache)
    again = VerifyCache(tmp_path / "cache", settle=3600)
    verify_distribution(dist, cache=again)
    assert again.hits == 0
    assert again.reads == cache.reads > 0


@pytest.mark.parametrize(
    "content",
    [
        "not json {",
        "[]",
        '{"format": 2, "files": {}}',
        '{"format": 1, "files": []}',
        "\ud800",
    ],
)
def test_a_damaged_cache_file_is_ignored(site: Path, tmp_path: Path, content: str) -> None:
    dist = dist_info(site, "verify-plugin")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    cache_path(cache_dir, dist).write_bytes(content.encode("utf-8", "surrogatepass"))
    cache = VerifyCache(cache_dir, settle=0)
    result = verify_distribution(dist, cache=cache)
    assert result.ok
    assert cache.reads == result.files_checked
    # It is rewritten in the right shape.
    again = VerifyCache(cache_dir, settle=0)
    verify_distribution(dist, cache=again)
    assert again.reads == 0


def test_each_distribution_has_a_cache_file_of_its_own(site: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    plugin, pth = dist_info(site, "verify-plugin"), dist_info(site, "verify-pth")
    cache = VerifyCache(cache_dir, settle=0)
    verify_distribution(plugin, cache=cache)
    verify_distribution(pth, cache=cache)
    files = {p: json.loads(p.read_text())["files"] for p in cache_dir.iterdir()}
    assert set(files) == {cache_path(cache_dir, plugin), cache_path(cache_dir, pth)}
    assert str(site / WORDS) in files[cache_path(cache_dir, plugin)]
    assert str(site / WORDS) not in files[cache_path(cache_dir, pth)]
    # Verifying one distribution reads only its own cache file.
    again = VerifyCache(cache_dir, settle=0)
    first_mismatch(plugin, cache=again)
    assert list(again._shards) == [str(plugin)]
    assert again.reads == 0


def test_a_cache_file_of_another_distribution_is_not_trusted(site: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    plugin, pth = dist_info(site, "verify-plugin"), dist_info(site, "verify-pth")
    verify_distribution(plugin, cache=VerifyCache(cache_dir, settle=0))
    # Digests that are right for the plugin, in a file that says it is the other's.
    data = json.loads(cache_path(cache_dir, plugin).read_text())
    data["distribution"] = str(pth)
    cache_path(cache_dir, plugin).write_text(json.dumps(data))
    cache = VerifyCache(cache_dir, settle=0)
    result = verify_distribution(plugin, cache=cache)
    assert result.ok
    assert cache.reads == result.files_checked


def test_cache_entries_of_the_wrong_shape_are_never_trusted(site: Path, tmp_path: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    cache_dir = tmp_path / "cache"
    verify_distribution(dist, cache=VerifyCache(cache_dir, settle=0))
    cache_file = cache_path(cache_dir, dist)
    data = json.loads(cache_file.read_text())
    key = str(site / WORDS)
    good = data["files"][key]
    bad_entries: list[object] = [
        good[:5],
        [*good, "extra"],
        [str(good[0]), *good[1:]],
        [True, *good[1:]],
        [-1, *good[1:]],
        [*good[:4], "md5", good[5]],
        [*good[:4], ["sha256"], good[5]],
        [*good[:5], None],
        [*good[:5], "!!!"],
        [*good[:5], good[5][:-4]],
        {"digest": good[5]},
    ]
    for bad in bad_entries:
        data["files"][key] = bad
        cache_file.write_text(json.dumps(data))
        cache = VerifyCache(cache_dir, settle=0)
        assert verify_distribution(dist, cache=cache).ok
        assert cache.reads == 1, bad


def test_a_cache_that_cannot_be_written_changes_nothing(site: Path, tmp_path: Path) -> None:
    dist = dist_info(site, "verify-plugin")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cache = VerifyCache(blocker, settle=0)
    assert verify_distribution(dist, cache=cache).ok
    memory = VerifyCache(None, settle=0)
    verify_distribution(dist, cache=memory)
    verify_distribution(dist, cache=memory)
    assert memory.hits == memory.reads > 0


# -- consistency of the fast path ------------------------------------------------------


def _edit(site: Path, dist: Path) -> None:
    (site / WORDS).write_text("edited")


def _delete(site: Path, dist: Path) -> None:
    (site / MODULE).unlink(missing_ok=True)


def _no_record(site: Path, dist: Path) -> None:
    (dist / "RECORD").unlink()


def _clean(site: Path, dist: Path) -> None:
    pass


@pytest.mark.parametrize("change", [_edit, _delete, _no_record, _clean])
def test_first_mismatch_agrees_with_verify_distribution(
    site: Path, change: Callable[[Path, Path], None]
) -> None:
    for project in VERIFY_FIXTURES:
        dist = dist_info(site, project)
        change(site, dist)
        check_consistent(dist, verify_distribution(dist, others=all_dist_infos(site)))


# -- the host and the command line ----------------------------------------------------

TAMPER = (
    "\nimport os as _os, pathlib as _pathlib\n"
    "_pathlib.Path(_os.environ['PLUGHOST_TEST_MARKER_DIR'], 'tampered-code-ran').write_text('x')\n"
)


def _verify_env(site: Path, tmp_path: Path, *, verify: bool | None = None) -> PluginEnv:
    """The site, with a config file of its own (``verify = ...`` when given)."""
    env = PluginEnv(site=site, home=tmp_path / "home")
    env.marker_dir.mkdir(parents=True)
    (env.home / "config.toml").write_text(
        "" if verify is None else f"verify = {str(verify).lower()}\n"
    )
    return env


def _run(env: PluginEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return env.plughost(*args, env=env.environ(PLUGHOST_CONFIG=str(env.home / "config.toml")))


def test_host_verify_refuses_a_modified_plugin_before_importing_it(
    site: Path, tmp_path: Path
) -> None:
    env = _verify_env(site, tmp_path)
    with open(site / MODULE, "a") as f:
        f.write(TAMPER)
    code = (
        "import json\n"
        "from plughost import Host, PluginUnavailable\n"
        "from plughost._policy.config import Policy\n"
        "host = Host(policy=Policy(verify=True))\n"
        "(info,) = host.check(['verify-plugin'])\n"
        "loaded = None\n"
        "for isolated in (False, True):\n"
        "    try:\n"
        "        Host(policy=Policy(verify=True)).load('verify-plugin', isolated=isolated)\n"
        "    except PluginUnavailable as exc:\n"
        "        loaded = [exc.state, exc.message]\n"
        "    else:\n"
        "        loaded = None\n"
        "        break\n"
        "listed = {p.name: p.state.value for p in Host(policy=Policy(verify=True)).plugins()}\n"
        "print(json.dumps({'state': info.state.value, 'reason': info.reason, 'load': loaded,"
        " 'listed': listed['verify-plugin']}))\n"
    )
    result = env.python(code)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["state"] == "broken"
    assert f"modified since install: {MODULE}" in out["reason"]
    assert "\n" not in out["reason"]
    # Refused in process and in a worker alike (the last attempt was isolated).
    assert out["load"] is not None
    assert out["load"][0] == "broken"
    assert f"modified since install: {MODULE}" in out["load"][1]
    assert out["listed"] != "ok"
    assert not (env.marker_dir / "tampered-code-ran").exists()
    # Without verify the same plugin is imported, so the test can fail.
    plain = env.python("from plughost import Host; Host().check(['verify-plugin'])")
    assert plain.returncode == 0, plain.stderr
    assert (env.marker_dir / "tampered-code-ran").exists()


def test_host_verify_from_the_config_file_refuses_a_run(site: Path, tmp_path: Path) -> None:
    env = _verify_env(site, tmp_path, verify=True)
    ok = _run(env, "run", "verify-plugin", "words", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == ["installed", "unchanged"]
    with open(site / MODULE, "a") as f:
        f.write(TAMPER)
    refused = _run(env, "run", "verify-plugin", "words")
    assert refused.returncode == 3, refused.stderr
    (line,) = [x for x in refused.stderr.splitlines() if x.startswith("error: ")]
    assert f"modified since install: {MODULE}" in line
    check = _run(env, "check", "verify-plugin", "--json")
    assert check.returncode == 1
    (info,) = json.loads(check.stdout)
    assert info["state"] == "broken"
    assert f"modified since install: {MODULE}" in info["reason"]
    assert not (env.marker_dir / "tampered-code-ran").exists()
    # verify = false (the default) imports it.
    (env.home / "config.toml").write_text("verify = false\n")
    assert _run(env, "check", "verify-plugin").returncode == 0
    assert (env.marker_dir / "tampered-code-ran").exists()


def test_host_verify_loads_an_intact_plugin(site: Path, tmp_path: Path) -> None:
    env = _verify_env(site, tmp_path)
    code = (
        "import json\n"
        "from plughost import Host\n"
        "from plughost._policy.config import Policy\n"
        "host = Host(policy=Policy(verify=True))\n"
        "print(json.dumps(host.call('verify-plugin', 'words')))\n"
    )
    result = env.python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["installed", "unchanged"]


def test_host_cli_verify_clean_and_modified(site: Path, tmp_path: Path) -> None:
    env = _verify_env(site, tmp_path)
    clean = _run(env, "verify", "verify-plugin", "--json")
    assert clean.returncode == 0, clean.stderr
    (entry,) = json.loads(clean.stdout)
    assert entry["distribution"] == "plughost-fixture-verify-plugin"
    assert entry["version"] == "1.0.0"
    assert entry["ok"] is True
    assert entry["files_checked"] > 0
    assert entry["problems"] == []
    (site / WORDS).unlink()
    with open(site / MODULE, "a") as f:
        f.write("# edited\n")
    broken = _run(env, "verify", "verify-plugin", "--json")
    assert broken.returncode == 1, broken.stderr
    (entry,) = json.loads(broken.stdout)
    assert entry["ok"] is False
    problems = {(p["kind"], p["path"]) for p in entry["problems"]}
    assert problems == {("changed", MODULE), ("missing", WORDS)}
    text = _run(env, "verify", "verify-plugin")
    assert text.returncode == 1
    assert MODULE in text.stdout
    assert WORDS in text.stdout
    assert "Traceback" not in text.stderr
    # Verifying imports nothing.
    with open(site / MODULE, "a") as f:
        f.write(TAMPER)
    assert _run(env, "verify").returncode == 1
    assert not (env.marker_dir / "tampered-code-ran").exists()


def test_host_cli_verify_reports_warnings_without_failing(site: Path, tmp_path: Path) -> None:
    env = _verify_env(site, tmp_path)
    result = _run(env, "verify", "verify-pth", "verify-shared-a", "verify-shared-b", "--json")
    assert result.returncode == 1, result.stderr  # one shared module was overwritten
    by_dist = {e["distribution"]: e for e in json.loads(result.stdout)}
    pth = by_dist["plughost-fixture-verify-pth"]
    assert pth["ok"] is True
    assert [p["kind"] for p in pth["problems"]] == ["executable-pth"]
    for name in ("plughost-fixture-verify-shared-a", "plughost-fixture-verify-shared-b"):
        assert "shared" in {p["kind"] for p in by_dist[name]["problems"]}
    only_pth = _run(env, "verify", "verify-pth")
    assert only_pth.returncode == 0, only_pth.stderr
    assert "executable-pth" in only_pth.stdout
    assert "plughost_fixture_verify_pth_exec.pth" in only_pth.stdout
    unknown = _run(env, "verify", "no-such-plugin")
    assert unknown.returncode == 3
