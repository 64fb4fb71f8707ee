"""Shared fixtures for the reward sandbox tests: the toy view family and its reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _load_toy():
    # Loaded by file path, so it works whether or not the test folders are packages.
    if "toyfamily" in sys.modules:
        return sys.modules["toyfamily"]
    spec = importlib.util.spec_from_file_location("toyfamily", HERE / "toyfamily.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["toyfamily"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def toy():
    return _load_toy()


@pytest.fixture(scope="session")
def toy_family(toy):
    from envgen.rewards import load_family

    return load_family(toy)
