"""Moved: WorkerProcess is in _client, IsolatedPlugin in _handles."""

from ._client import *  # noqa: F403
from ._client import DEFAULT_CALL_TIMEOUT, DEFAULT_START_TIMEOUT, WorkerProcess
from ._handles import IsolatedPlugin

__all__ = ["DEFAULT_CALL_TIMEOUT", "DEFAULT_START_TIMEOUT", "IsolatedPlugin", "WorkerProcess"]
