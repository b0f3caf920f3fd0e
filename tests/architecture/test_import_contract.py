"""The import contract (pyproject.toml, ``[tool.importlinter]``) holds, and it catches a wrong import."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("photai_dam", "governance", "inference", "integrations")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.fixture
def copy_of_the_tree(tmp_path: Path) -> Path:
    """The project's packages and contract, copied, so a test can break an import without touching ours."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text() + "\n" + code + "\n")


@pytest.mark.parametrize(
    ("module", "wrong_import", "reported"),
    [
        # governance reaching up into integrations instead of through governance.ports
        (
            "governance/gate.py",
            "from integrations import registry",
            ["governance is not allowed to import integrations", "governance.gate -> integrations.registry"],
        ),
        # the core importing governance; a type-only import counts as much as any other
        (
            "photai_dam/jobs/actions.py",
            "if TYPE_CHECKING:\n    from governance.reviews.models import Review",
            [
                "photai_dam.jobs is not allowed to import governance",
                "photai_dam.jobs.actions -> governance.reviews.models",
            ],
        ),
        # the siblings stay independent
        (
            "inference/runner.py",
            "def _publish() -> None:\n    from integrations import actions",
            ["inference is not allowed to import integrations", "inference.runner -> integrations.actions"],
        ),
        # torch outside inference
        (
            "governance/policy.py",
            "def _weights() -> None:\n    import torch",
            ["governance is not allowed to import torch", "governance.policy -> torch"],
        ),
    ],
)
def test_the_contract_breaks_on_a_wrong_import(copy_of_the_tree, module, wrong_import, reported):
    # given a copy of the tree with one deliberately wrong import
    if "TYPE_CHECKING" in wrong_import:
        _append(copy_of_the_tree / module, "from typing import TYPE_CHECKING")
    _append(copy_of_the_tree / module, wrong_import)

    # when the contract is checked
    result = lint_imports(copy_of_the_tree)

    # then it fails and names the import
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    for text in reported:
        assert text in result.stdout


def test_every_module_of_photai_dam_sits_in_a_layer():
    """A new module in photai_dam/ goes in the shell or the core layer; unplaced, nothing checks it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    placed = {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}
    modules = [
        name
        for _, name, _ in pkgutil.walk_packages([str(ROOT / "photai_dam")], prefix="photai_dam.")
        if ".migrations" not in name
    ]

    unplaced = [
        m
        for m in modules
        if not any(m == p or m.startswith(p + ".") for p in placed)
        and not any(p.startswith(m + ".") for p in placed)  # a package whose children are placed
    ]
    assert unplaced == []


def test_the_web_process_starts_without_torch_diffusers_or_opencv():
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "print(sorted(m for m in ('torch', 'diffusers', 'cv2', 'imwatermark') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "photai_dam.settings", "PHOTAI_EMBEDDED_WORKER": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
