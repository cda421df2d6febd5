"""The installed package is complete: every compiled module, its stub and py.typed."""

import importlib
import importlib.util
from pathlib import Path

import pytest

import modelmetrics
from modelmetrics import _kernels

# Every extension module the build must produce; a missing one fails here.
COMPILED_MODULES = [
    "_bootstrap",
    "_coco",
    "_columns",
    "_confusion",
    "_json",
    "_mask",
    "_png",
    "_ranking",
    "_regression",
    "_semantic",
    "_tide",
]
PUBLIC_MODULES = [
    "modelmetrics.analysis",
    "modelmetrics.classification",
    "modelmetrics.coco",
    "modelmetrics.detection",
    "modelmetrics.distributed",
    "modelmetrics.exceptions",
    "modelmetrics.instance_segmentation",
    "modelmetrics.keypoints",
    "modelmetrics.lvis",
    "modelmetrics.mask",
    "modelmetrics.regression",
    "modelmetrics.report",
    "modelmetrics.segmentation",
]
# Data files read at run time (the report's JSON Schema, the HTML page's script and style).
PACKAGE_DATA = [
    "_report/schema/report.schema.json",
    "_report/assets/report.js",
    "_report/assets/report.css",
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


@pytest.mark.parametrize("name", PACKAGE_DATA)
def test_package_data_is_installed(name):
    from importlib import resources

    resource = resources.files("modelmetrics").joinpath(*name.split("/"))
    assert resource.is_file(), f"{name} is missing from the installed package"
    assert resource.read_text(encoding="utf-8").strip()


def test_license_is_shipped_with_the_distribution():
    """The BSD-3-Clause text pyproject.toml declares travels in the wheel's metadata."""
    from importlib import metadata

    dist = metadata.distribution("modelmetrics")
    assert dist.metadata.get("License-Expression") == "BSD-3-Clause"
    files = [f for f in (dist.files or []) if Path(str(f)).name == "LICENSE"]
    assert files, "no LICENSE file in the installed distribution"
    text = Path(str(files[0].locate())).read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
