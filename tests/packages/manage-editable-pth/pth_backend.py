"""setuptools' backend, except that the editable wheel carries one more ``.pth`` file.

The extra file, ``plughost_fixture_manage_editable_pth_hook.pth``, has a line
site.py executes at every interpreter start: only what an editable install
writes after the build can show it, and plughost must roll it back.
"""

import os
import zipfile

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403

HOOK = "plughost_fixture_manage_editable_pth_hook.pth"
LINE = "import os; os.environ.setdefault('PLUGHOST_FIXTURE_EDITABLE_PTH', 'ran')\n"


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """Build the editable wheel as setuptools does, with the change this module describes."""
    name = build_meta.build_editable(wheel_directory, config_settings, metadata_directory)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "a") as wheel:
        wheel.writestr(HOOK, LINE)
    return name
