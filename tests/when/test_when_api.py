"""The public API of retroline.when: what __all__ promises exists, with docs, and examples run."""

from __future__ import annotations

import doctest
import importlib

import pytest

import retroline.when

MODULES = ["match", "patterns", "relative", "resolution", "statements", "zones"]


def test_all_matches_the_public_names():
    # The package loads its submodules on first use: each name of __all__ comes from one.
    homes = retroline.when._HOME
    assert set(retroline.when.__all__) == set(homes)
    for name in retroline.when.__all__:
        module = importlib.import_module(f"retroline.when.{homes[name]}")
        assert getattr(retroline.when, name) is getattr(module, name)
    with pytest.raises(AttributeError):
        _ = retroline.when.no_such_name


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
