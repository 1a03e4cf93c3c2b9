"""Calls sys.exit while being imported."""

import sys

sys.exit("this plugin refuses to be imported")
