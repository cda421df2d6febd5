"""The installed package is complete: every compiled module, its stub and py.typed."""

import importlib
import importlib.util
from pathlib import Path

import pytest

import modelmetrics
from modelmetrics import _kernels

# Every extension module the build must produce; a missing one fails here.
COMPILED_MODULES = [
    "_coco",
    "_columns",
    "_confusion",
    "_json",
    "_ranking",
    "_regression",
    "_segmentation",
]
PUBLIC_MODULES = [
    "modelmetrics.classification",
    "modelmetrics.coco",
    "modelmetrics.detection",
    "modelmetrics.exceptions",
    "modelmetrics.regression",
    "modelmetrics.segmentation",
]


@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_compiled_module_and_stub_are_installed(name):
    spec = importlib.util.find_spec(f"modelmetrics._kernels.{name}")
    assert spec is not None, f"modelmetrics._kernels.{name} is not installed"
    assert spec.origin is not None
    assert spec.origin.endswith((".so", ".pyd")), spec.origin
    stub = Path(_kernels.__file__).parent / f"{name}.pyi"
    assert stub.is_file(), f"missing type stub {stub.name}"


def test_package_is_marked_typed():
    assert (Path(modelmetrics.__file__).parent / "py.typed").is_file()


def test_sources_of_compiled_modules_are_not_shipped_in_the_package():
    kernels_dir = Path(_kernels.__file__).parent
    spec = importlib.util.find_spec(f"modelmetrics._kernels.{COMPILED_MODULES[0]}")
    assert spec is not None
    assert spec.origin is not None
    if Path(spec.origin).parent != kernels_dir:
        pytest.skip("editable install: extension modules live in the build tree")
    assert not list(kernels_dir.glob("*.pyx"))
    assert not list(kernels_dir.glob("*.pxd"))


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_modules_export_what_they_declare(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, f"{module}.{name}"


def test_kernel_bridge_exports_resolve():
    for name in _kernels.__all__:
        assert hasattr(_kernels, name), name
