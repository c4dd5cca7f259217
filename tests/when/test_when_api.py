"""The public API of retroline.when: what __all__ promises exists, with docs, and examples run."""

from __future__ import annotations

import doctest
import importlib

import pytest

import retroline.when

MODULES = ["match", "patterns", "relative", "resolution", "statements", "zones"]


def test_all_matches_the_public_names():
    public = {name for name in vars(retroline.when) if not name.startswith("_")}
    submodules = set(MODULES)
    assert set(retroline.when.__all__) == public - submodules


@pytest.mark.parametrize("module_name", MODULES)
def test_every_exported_name_exists_and_has_a_docstring(module_name):
    module = importlib.import_module(f"retroline.when.{module_name}")
    assert module.__doc__
    for name in module.__all__:
        value = getattr(module, name)
        if callable(value):
            assert value.__doc__, f"{module_name}.{name} has no docstring"


@pytest.mark.parametrize("module_name", ["", *MODULES])
def test_doctests(module_name):
    name = "retroline.when" + (f".{module_name}" if module_name else "")
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
