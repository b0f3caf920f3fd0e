"""Ports: every need a lower layer has of an upper one is registered at start-up, or start-up says so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from governance import ports as governance_ports
from photai_dam import ports
from photai_dam.checks import check_ports

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_port_has_its_implementation_after_start_up():
    declared = {p.name: p for p in ports.declared_ports()}

    assert {
        "photai_dam.ports.record_audit",
        "photai_dam.ports.enqueue_job",
        "photai_dam.ports.check_job_request",
        "photai_dam.ports.record_licence",
        "photai_dam.ports.record_provenance",
        "governance.ports.withdraw_everywhere",
        "governance.ports.publications_of",
        "governance.ports.model_licence",
    } <= set(declared)
    assert [name for name, p in declared.items() if not p.registered] == []
    assert check_ports(None) == []


def test_a_port_without_implementation_stops_the_system_checks(monkeypatch):
    # given integrations did not register the withdrawal (as if its app were missing)
    monkeypatch.setattr(governance_ports.withdraw_everywhere, "implementation", None)

    # when the start-up checks run
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")

    # then they fail, naming the port and who should provide it
    message = str(raised.value)
    assert "photai.E010" in message
    assert "governance.ports.withdraw_everywhere has no implementation" in message
    assert "integrations registers it" in message


def test_calling_a_port_without_implementation_raises_instead_of_doing_nothing(monkeypatch):
    monkeypatch.setattr(ports.enqueue_job, "implementation", None)

    with pytest.raises(ports.PortNotRegistered, match=r"photai_dam\.ports\.enqueue_job has no impl"):
        ports.enqueue_job(object())


def test_governance_and_the_core_start_without_inference_and_integrations(tmp_path):
    """The lower layers load on their own; the ports the missing packages provide are named at start-up."""
    (tmp_path / "lower_layers_only.py").write_text(
        textwrap.dedent(
            """
            from photai_dam import settings

            globals().update({k: v for k, v in vars(settings).items() if k.isupper()})
            INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a not in ("inference", "integrations")]
            """
        )
    )
    code = (
        "import django; django.setup(); from photai_dam.checks import check_ports; "
        "print(sorted(e.obj for e in check_ports(None) if e.id == 'photai.E010'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lower_layers_only",
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "PHOTAI_EMBEDDED_WORKER": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            "governance.ports.connection_target",
            "governance.ports.job_model_keys",
            "governance.ports.model_licence",
            "governance.ports.publications_of",
            "governance.ports.withdraw_everywhere",
            "photai_dam.ports.enqueue_job",
            "photai_dam.ports.find_operation",
            "photai_dam.ports.operation_names",
        ]
    )
