"""The licence schema's normalisation, the Django admin's rule validation, and the OpenAPI schema."""

from __future__ import annotations

import pytest

from fixtures import licences
from governance.licensing import validate_licence
from governance.licensing.admin import PromptPolicyForm
from photai_dam.api.errors import ApiError


@pytest.mark.parametrize(
    "licence",
    [
        licences.owned(),
        licences.stock(expires_at="2027-05-01T10:00:00+02:00"),
        licences.cc_by(),
        licences.editorial(),
    ],
)
def test_normalising_twice_changes_nothing(licence):
    once = validate_licence(licence)
    assert validate_licence(once) == once


def test_kind_defaults_are_explicit_and_unknown_allows_no_ai_use():
    assert validate_licence(None)["kind"] == "unknown"
    assert validate_licence(None)["ai_editing_allowed"] is False
    assert validate_licence({"kind": "owned"})["ai_editing_allowed"] is True
    assert validate_licence({"kind": "editorial_only"})["ai_editing_allowed"] is False
    assert validate_licence({"kind": "cc0"})["channels"] == [
        "web",
        "social",
        "email",
        "print",
        "ecommerce",
        "advertising",
    ]
    assert validate_licence({"kind": "cc0"})["territories"] == ["worldwide"]


@pytest.mark.parametrize(
    ("licence", "field"),
    [
        ({"kind": "owned", "territories": ["worldwide", "US"]}, "territories"),
        ({"kind": "owned", "territories": []}, "territories"),
        ({"kind": "owned", "source_url": "javascript:alert(1)"}, "source_url"),
        ({"kind": "owned", "documents": [{"name": "x", "url": "file:///etc/passwd"}]}, "documents.0.url"),
        ({"kind": "owned", "ai_editing_allowed": "perhaps"}, "ai_editing_allowed"),
        ({"licensor": "nobody"}, "kind"),
    ],
)
def test_invalid_fields_are_named(licence, field):
    with pytest.raises(ApiError) as caught:
        validate_licence(licence)
    assert caught.value.code == "invalid_licence"
    assert field in caught.value.details["fields"]


def test_attached_documents_is_accepted_as_the_issue_words_it():
    stored = validate_licence(
        {"kind": "owned", "attached_documents": [{"name": "c", "url": "https://x.example/c.pdf"}]}
    )
    assert stored["documents"] == [{"name": "c", "url": "https://x.example/c.pdf", "sha256": None}]


def test_the_admin_form_refuses_catastrophic_patterns(workspace):
    form = PromptPolicyForm(
        data={
            "workspace": workspace.pk,
            "blocked_terms": '["Globex"]',
            "blocked_patterns": '["(a+)+$"]',
            "flagged_terms": "[]",
            "flagged_patterns": "[]",
        }
    )
    assert not form.is_valid()
    assert "catastrophically" in str(form.errors["blocked_patterns"])


def test_the_openapi_schema_describes_the_licence_routes():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    # only this package's routes, so another package's schema problem cannot hide or cause a failure here
    patterns = [path("api/v1/workspaces/<slug:slug>/", include("governance.licensing.api.urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    paths = {p.rstrip("/"): operations for p, operations in schema["paths"].items()}
    base = "/api/v1/workspaces/{slug}"
    for route in ("licence/history", "licence/effective", "publishability"):
        assert set(paths[f"{base}/assets/{{id}}/{route}"]) == {"get"}, route
    assert set(paths[f"{base}/assets/{{id}}/licence"]) == {"get", "put", "patch"}
    assert set(paths[f"{base}/assets/{{id}}/licence/revoke"]) == {"post"}
    assert set(paths[f"{base}/policy"]) == {"get", "put"}


def test_prompt_rules_saved_in_the_django_admin_apply_and_are_audited(admin_client, workspace):
    from governance.audit.models import AuditEvent
    from governance.licensing import prompts

    url = "/admin/licensing/promptpolicy/add/"
    refused = admin_client.post(
        url,
        {
            "workspace": workspace.pk,
            "blocked_terms": "[]",
            "blocked_patterns": '["(x*)*"]',
            "flagged_terms": "[]",
            "flagged_patterns": "[]",
        },
    )
    assert refused.status_code == 200  # the form again, with the error
    assert not prompts.rules_for(workspace)["blocked_patterns"]

    saved = admin_client.post(
        url,
        {
            "workspace": workspace.pk,
            "blocked_terms": '["Globex"]',
            "blocked_patterns": "[]",
            "flagged_terms": '["celebrity"]',
            "flagged_patterns": "[]",
        },
    )

    assert saved.status_code == 302
    assert prompts.rules_for(workspace)["blocked_terms"] == ["Globex"]
    assert AuditEvent.objects.filter(action="policy.update", workspace_slug="acme").exists()


def test_system_checks_catch_a_misspelt_commercial_channel(settings):
    from governance.licensing.checks import check_licensing_settings

    assert check_licensing_settings(None) == []
    settings.LICENCE_COMMERCIAL_CHANNELS = ["advertising", "adverts"]
    settings.PROMPT_PATTERN_TIMEOUT_S = 30

    assert [e.id for e in check_licensing_settings(None)] == ["licensing.E001", "licensing.E002"]
