"""What discovery reads by hand where it is plain: requirements as packaging, headers as email."""

from __future__ import annotations

import importlib.metadata
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.version import Version

from plughost._discovery.compat import check_compatibility
from plughost._discovery.entrypoints import DistInfo, _plain_headers

_release = st.lists(st.integers(0, 12), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)
_space = st.sampled_from(["", " ", "  "])
_clause = st.tuples(_space, st.sampled_from(["==", "!=", "<=", ">=", "<", ">"]), _space, _release)
_name = st.sampled_from(["plughost", "PlugHost", "plug_host", "plug.host", "requests", "plughost2"])


def _written(clauses: list[tuple[str, str, str, str]], name: str, wrapped: bool, space: str) -> str:
    spec = ",".join(f"{a}{op}{b}{version}" for a, op, b, version in clauses)
    if clauses and wrapped:
        return f"{name} ({spec})"
    return f"{name}{space}{spec}"


_requirement = st.builds(_written, st.lists(_clause, max_size=3), _name, st.booleans(), _space)


def _judged_by_packaging(text: str, host: str) -> bool | None:
    req = Requirement(text)
    if req.name.lower().replace("_", "-").replace(".", "-") != "plughost":
        return None
    return req.specifier.contains(Version(host), prereleases=True)


@settings(max_examples=400, deadline=None)
@given(_requirement, _release)
def test_a_plain_requirement_is_judged_as_packaging_judges_it(text: str, host: str) -> None:
    dist = DistInfo(name="plughost-demo", version="1.0", requires=(text,))
    outcome = check_compatibility("demo", dist, host, "1")
    expected = _judged_by_packaging(text, host)
    if expected is None:
        assert outcome.ok and outcome.requirement is None
        return
    assert outcome.ok is expected and outcome.requirement == text
    if not expected:
        spec = str(Requirement(text).specifier) or "any"
        assert f"requires plughost{spec}, but this is plughost {host}" in outcome.reason


def test_what_is_not_plain_is_left_to_packaging() -> None:
    cases = {
        "plughost>=1.0; python_version < '3'": True,  # a false marker: does not count
        "plughost[extra]>=2": False,
        "plughost~=1.0": True,
        "plughost==1.*": True,
        "plughost>=1.0rc1,<2": True,
        "plughost>=2 ; extra == 'more'": True,
    }
    for text, ok in cases.items():
        dist = DistInfo(name="plughost-demo", version="1.0", requires=(text,))
        assert check_compatibility("demo", dist, "1.0.0", "1").ok is ok, text
    dist = DistInfo(name="plughost-demo", version="1.0", requires=("plughost>=1",))
    assert check_compatibility("demo", dist, "1.1.0.dev1", "1").ok is True
    assert check_compatibility("demo", dist, "0.9rc1", "1").ok is False


_HEADERS = ("Name", "Version", "Summary", "Requires-Dist", "Home-page", "Project-URL")


def _both_ways(dist: importlib.metadata.Distribution) -> tuple[object, object] | None:
    hand = _plain_headers(dist)
    if hand is None:
        return None
    parsed = dist.metadata
    return (
        [(h, hand[h], hand.get_all(h)) for h in _HEADERS],
        [(h, parsed[h], parsed.get_all(h)) for h in _HEADERS],
    )


def test_plain_metadata_is_read_by_hand_as_the_email_parser_reads_it() -> None:
    # Every distribution installed here, as their build backends wrote them.
    read = 0
    for dist in importlib.metadata.distributions():
        both = _both_ways(dist)
        if both is not None:
            assert both[0] == both[1], dist.metadata["Name"]
            read += 1
    assert read >= 10


_line = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*_HEADERS, "X y", "", " Name"]), _line), max_size=6))
def test_any_metadata_is_read_by_hand_only_as_the_email_parser_reads_it(
    headers: list[tuple[str, str]],
) -> None:
    text = "".join(f"{name}:{value}\n" for name, value in headers) + "\nbody: x\n"
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "METADATA").write_text(text, encoding="utf-8")
        both = _both_ways(importlib.metadata.PathDistribution(Path(folder)))
    if both is not None:
        assert both[0] == both[1]
