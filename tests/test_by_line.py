"""Cache files laid out one entry a line: still JSON, and one entry read without the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from plughost._discovery.by_line import dumps, lines_with, sections
from plughost._discovery.lean import read_record, read_records
from support import PluginEnv

_text = st.text(st.characters(codec="utf-8"), max_size=8)
_value = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_text.filter(lambda k: k not in ("a", "b")), _value, min_size=1, max_size=3),
    st.lists(_value, max_size=5),
    st.dictionaries(_text, _value, max_size=5),
)
def test_a_file_laid_out_by_line_is_the_same_json_and_splits_back(
    head: dict[str, Any], items: list[Any], members: dict[str, Any]
) -> None:
    data = {**head, "a": items, "b": members}
    text = dumps(data, ("a", "b"))
    assert json.loads(text) == data
    split = sections(text, ("a", "b"))
    assert split is not None
    first, parts = split
    assert first == head
    assert [json.loads(line) for line in _items(parts["a"])] == items
    assert dict(json.loads("{" + line + "}").popitem() for line in _items(parts["b"])) == members
    for i, item in enumerate(items):
        encoded = json.dumps(item)
        assert encoded in [line for line in lines_with(parts["a"], encoded)] or i > 0


def _items(block: str) -> list[str]:
    return [line.removesuffix(",") for line in block.split("\n")] if block else []


def test_anything_else_is_not_taken_for_that_layout() -> None:
    data = {"format": 1, "a": [1, 2], "b": {"k": 3}}
    good = dumps(data, ("a", "b"))
    assert sections(good, ("a", "b")) is not None
    for bad in (
        json.dumps(data),  # one line, as older releases wrote it
        good + "\n",
        good[: good.rindex("\n")],  # cut short
        good.replace('"b": {', '"c": {'),
        "{\n" + good[1:],
    ):
        assert sections(bad, ("a", "b")) is None, bad


def test_one_record_is_read_as_the_whole_file_reads_it(tmp_path: Path) -> None:
    from plughost import __version__

    plugins = {f"p{i}=m:C@d@/x": {"state": "ok", "n": i} for i in range(50)}
    data = {"format": 1, "host": __version__, "plugins": plugins}
    for text in (dumps(data, ("plugins",)), json.dumps(data)):
        (tmp_path / "checks.json").write_text(text)
        whole = read_records(str(tmp_path)) or {}
        for key in (*plugins, "missing", "p1"):
            assert read_record(str(tmp_path), key) == whole.get(key)
    # A key given twice: the last counts, both ways.
    doubled = dumps(data, ("plugins",)).replace(
        '"p0=m:C@d@/x": {"state": "ok", "n": 0}',
        '"p0=m:C@d@/x": {"n": -1},\n"p0=m:C@d@/x": {"n": 0}',
    )
    (tmp_path / "checks.json").write_text(doubled)
    assert (
        read_record(str(tmp_path), "p0=m:C@d@/x") == json.loads(doubled)["plugins"]["p0=m:C@d@/x"]
    )


def test_the_index_of_one_plugin_is_what_the_whole_index_says(plugin_env: PluginEnv) -> None:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from plughost._discovery.index import discover\n"
        "from plughost._discovery.index_data import index_entries\n"
        "cache, group = sys.argv[1], 'plughost.plugins'\n"
        "discover(group, cache_dir=Path(cache))  # this interpreter's own index\n"
        "whole = index_entries(cache, group) or []\n"
        "out = {}\n"
        "for name in sorted({c['name'] for c in whole}) + ['nosuch']:\n"
        "    out[name] = [index_entries(cache, group, only=name),\n"
        "                 [c for c in whole if c['name'] == name]]\n"
        "print(json.dumps(out))\n"
    )
    result = plugin_env.python(code, str(plugin_env.cache_dir))
    assert result.returncode == 0, result.stderr
    compared = json.loads(result.stdout)
    assert len(compared) > 10
    for name, (one, whole) in compared.items():
        assert one == (whole or None) or (name == "nosuch" and one == []), name
    index = next((plugin_env.cache_dir / "index").glob("*.json")).read_text()
    assert index.count("\n") > len(compared)  # laid out by line
