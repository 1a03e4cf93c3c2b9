"""Help text from docstrings: summaries, parameter help, attribute docstrings.

A plugin's summary is the first line of its class docstring and a command's
help the first line of its method's; an ``Args:`` section (or ``:param x:``
lines) gives each parameter's help, and a settings class's ``Attributes:``
section, or the string right after each attribute, each setting's. Nothing
here runs plugin code: attribute docstrings are read from the source text.
"""

from __future__ import annotations

import ast
import re

__all__ = ["ARGS_SECTIONS", "ATTRIBUTES_SECTIONS", "attribute_docs", "param_help", "split_doc"]

#: The headings of a section that documents a function's parameters.
ARGS_SECTIONS = ("Args", "Arguments", "Parameters", "Params")
#: The headings of a section that documents a class's attributes.
ATTRIBUTES_SECTIONS = ("Attributes", *ARGS_SECTIONS)

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params):\s*$")
_ANY_SECTION = re.compile(r"^(\w+):\s*$")
_GOOGLE_PARAM = re.compile(r"^\s+(\*{0,2}\w+)(?:\s*\([^)]*\))?:\s*(.*)$")
_SPHINX_PARAM = re.compile(r"^:param\s+(?:\w+\s+)?(\w+):\s*(.*)$")


def split_doc(doc: str | None) -> tuple[str, str]:
    """The first line of a docstring and the rest (up to an Args section)."""
    if not doc or not doc.strip():
        return "", ""
    lines = doc.strip().splitlines()
    summary = lines[0].strip()
    body: list[str] = []
    for line in lines[1:]:
        if _SECTION.match(line.strip()) or line.strip().startswith(":param"):
            break
        body.append(line)
    return summary, "\n".join(body).strip()


def param_help(doc: str, sections: tuple[str, ...] = ARGS_SECTIONS) -> dict[str, str]:
    """Per-name help from a Google-style section (``Args:`` by default) or :param: lines."""
    result: dict[str, str] = {}
    in_section = False
    current: str | None = None
    param_indent = 4
    for line in doc.splitlines():
        sphinx = _SPHINX_PARAM.match(line.strip())
        if sphinx:
            current = sphinx.group(1)
            result[current] = sphinx.group(2).strip()
            continue
        heading = _ANY_SECTION.match(line.strip())
        if heading and heading.group(1) in sections:
            in_section, current = True, None
            continue
        if not in_section:
            if current and line.startswith("    ") and line.strip():
                result[current] += " " + line.strip()
            else:
                current = None
            continue
        if not line.strip():
            current = None
            continue
        if not line.startswith((" ", "\t")):
            in_section, current = False, None
            continue
        google = _GOOGLE_PARAM.match(line)
        indent = len(line) - len(line.lstrip())
        if google and (current is None or indent <= param_indent):
            current = google.group(1).lstrip("*")
            param_indent = indent
            result[current] = google.group(2).strip()
        elif current is not None:
            result[current] = (result[current] + " " + line.strip()).strip()
    return result


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstring of each attribute of ``cls``: the string literal right after it.

    The way Sphinx and pydantic read them: from the class's source, parsed
    and never run, each on one line. Empty when the source cannot be found
    (a distribution installed without it) or read.
    """
    node = _class_node(cls)
    if node is None:
        return {}
    docs: dict[str, str] = {}
    for statement, following in zip(node.body, node.body[1:], strict=False):
        target: ast.expr | None = None
        if isinstance(statement, ast.AnnAssign):
            target = statement.target
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
        if (
            isinstance(target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[target.id] = " ".join(following.value.value.split())
    return docs


def _class_node(cls: type) -> ast.ClassDef | None:
    """The statement that defines ``cls``, from its module's source, parsed once.

    The source is found as ``inspect.findsource`` finds it, the class in it
    by its qualified name as ``findsource`` does; but ``findsource`` parses
    the module for that search, and the tree it makes is not to be had, so
    the tree parsed here serves both (``inspect.getsource`` would run
    ``tokenize`` besides, which costs a worker's start more than the rest of
    validation).
    """
    try:
        lines = _source_lines(cls)
    except Exception:
        # No source, or a class that fights being looked up: no help, no harm.
        return None
    if not lines:
        return None
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    qualname = getattr(cls, "__qualname__", None)
    return _find_class(tree, qualname, []) if isinstance(qualname, str) else None


def _source_lines(cls: type) -> list[str]:
    """The lines of the file that defines ``cls``, as ``inspect.findsource`` reads them."""
    import inspect
    import linecache

    file = inspect.getsourcefile(cls)
    if file:
        linecache.checkcache(file)
    else:
        file = inspect.getfile(cls)
        if not (file.startswith("<") and file.endswith(">")):
            return []
    module = inspect.getmodule(cls, file)
    return linecache.getlines(file, module.__dict__) if module else linecache.getlines(file)


def _find_class(node: ast.AST, qualname: str, stack: list[str]) -> ast.ClassDef | None:
    """The first class statement under ``node`` whose qualified name is ``qualname``.

    The order and the names are those of ``inspect``'s own search: every
    statement, depth first; a function's body is ``NAME.<locals>``.
    """
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
            continue  # an expression holds no class statement
        if isinstance(child, ast.ClassDef):
            stack.append(child.name)
            if ".".join(stack) == qualname:
                return child
            found = _find_class(child, qualname, stack)
            stack.pop()
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            stack += [child.name, "<locals>"]
            found = _find_class(child, qualname, stack)
            del stack[-2:]
        else:
            found = _find_class(child, qualname, stack)
        if found is not None:
            return found
    return None
