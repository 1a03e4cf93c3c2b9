"""A library whose two versions cannot be installed side by side."""

VERSION = "2.0"
