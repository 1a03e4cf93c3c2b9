"""A small library that the install tests' plugins depend on."""

VERSION = "1.0"
