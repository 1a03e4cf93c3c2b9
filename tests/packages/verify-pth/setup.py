"""Installs the two .pth files next to the package, at the top of site-packages.

setuptools has no setting for a file at the top of the installed tree, so a
build step copies them into the build directory, which becomes the wheel.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_FILES = ["plughost_fixture_verify_pth_exec.pth", "plughost_fixture_verify_pth_paths.pth"]


class BuildWithPth(build_py):
    """build_py that also puts the .pth files at the top of the build."""

    def run(self) -> None:
        super().run()
        for name in PTH_FILES:
            self.copy_file(os.path.join("pth", name), os.path.join(self.build_lib, name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        names = [os.path.join(self.build_lib, name) for name in PTH_FILES]
        return [*super().get_outputs(include_bytecode), *names]


setup(cmdclass={"build_py": BuildWithPth})
