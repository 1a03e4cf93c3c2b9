"""setuptools' backend, except that an editable build waits at a gate the test controls.

With ``PLUGHOST_TEST_GATE`` set to a folder, ``build_editable`` writes
``started`` there (its own pid and its parent's, pip's) and waits until a
file ``go`` appears, for at most two minutes; then it builds as usual. The
test knows pip is really running, with the first wheels already installed,
and can interrupt plughost or start a second one.
"""

import json
import os
import time

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """Build the editable wheel as setuptools does, with the change this module describes."""
    gate = os.environ.get("PLUGHOST_TEST_GATE")
    if gate:
        started = os.path.join(gate, "started")
        with open(started + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"pid": os.getpid(), "ppid": os.getppid()}, f)
        os.replace(started + ".tmp", started)
        deadline = time.monotonic() + 120
        while not os.path.exists(os.path.join(gate, "go")) and time.monotonic() < deadline:
            time.sleep(0.05)
    return build_meta.build_editable(wheel_directory, config_settings, metadata_directory)
