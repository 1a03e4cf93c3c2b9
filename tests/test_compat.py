"""A plugin's requirement on plughost, judged by hand where it is plain, as packaging judges it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.version import Version

from plughost._discovery.compat import check_compatibility
from plughost._discovery.entrypoints import DistInfo

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
