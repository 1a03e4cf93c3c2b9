"""Reads the data file installed next to this module."""

from pathlib import Path


def words() -> list[str]:
    """The words of words.txt, one a line."""
    return (Path(__file__).parent / "words.txt").read_text(encoding="utf-8").split()
