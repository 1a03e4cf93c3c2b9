"""Runtimes: the ways a plugin runs, in this process or in a worker."""
