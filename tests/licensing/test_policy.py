"""Policy at job creation (the 422 contract), prompt rules and their admin API, extra review stages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fixtures import licences
from governance import policy
from governance.licensing.models import PromptPolicy
from inference import catalog
from photai_dam.jobs.models import Job
from tests.licensing.conftest import T0

JOBS = "/api/v1/workspaces/acme/jobs"


def _edit(member, asset_id, *, prompt="a sunny beach", model="sd-test"):
    body = {
        "operation": "image_to_image",
        "inputs": [str(asset_id)],
        "params": {"model": model},
        "prompt": prompt,
    }
    return member.client.post(JOBS, body, format="json")


def _resize(member, asset_id):
    body = {"operation": "resize", "inputs": [str(asset_id)], "params": {"width": 10, "height": 10}}
    return member.client.post(JOBS, body, format="json")


def _reasons(response):
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "policy_refused"
    return [(r["code"], r["source"]) for r in error["details"]["reasons"]]


def _rules(workspace, **rules):
    PromptPolicy.objects.update_or_create(workspace=workspace, defaults=rules)


def test_an_input_whose_licence_forbids_ai_editing_refuses_a_generative_job_and_queues_nothing(
    editor, upload, make_model
):
    make_model()
    asset = upload(licence=json.dumps(licences.stock(ai_editing_allowed=False)))

    response = _edit(editor, asset["id"])

    assert _reasons(response) == [("licence_forbids_ai_editing", f"asset:{asset['id']}")]
    assert not Job.objects.exists()


def test_a_classical_rendition_does_not_need_the_ai_editing_right(editor, upload):
    asset = upload(licence=json.dumps(licences.stock(ai_editing_allowed=False)))

    assert _resize(editor, asset["id"]).status_code == 202


def test_an_unknown_licence_forbids_ai_editing_unless_the_workspace_relaxes_it(
    editor, upload, make_model, workspace
):
    make_model()
    asset = upload()

    assert _reasons(_edit(editor, asset["id"])) == [("licence_forbids_ai_editing", f"asset:{asset['id']}")]
    workspace.settings = {"licensing": {"allow_unknown": True}}
    workspace.save()
    assert _edit(editor, asset["id"]).status_code == 202


def test_an_expired_licence_refuses_every_operation(editor, upload, frozen_clock, make_model):
    make_model()
    asset = upload(licence=json.dumps(licences.stock(expires_at=T0 + timedelta(days=1))))
    assert _resize(editor, asset["id"]).status_code == 202

    frozen_clock.set(T0 + timedelta(days=1))  # the expiry moment itself is already expired

    assert _reasons(_resize(editor, asset["id"])) == [("licence_expired", f"asset:{asset['id']}")]
    assert _reasons(_edit(editor, asset["id"])) == [("licence_expired", f"asset:{asset['id']}")]


def test_a_revoked_licence_refuses_jobs(editor, upload, make_model):
    make_model()
    asset = upload(licence=json.dumps(licences.owned()))
    editor.client.post(
        f"/api/v1/workspaces/acme/assets/{asset['id']}/licence/revoke", {"reason": "x"}, format="json"
    )

    assert _reasons(_resize(editor, asset["id"])) == [("licence_revoked", f"asset:{asset['id']}")]


def test_a_non_commercial_model_is_refused_in_a_commercial_workspace_only(
    editor, upload, make_model, workspace
):
    make_model("nc-model", commercial=False, licence_id="cc-by-nc-4.0")
    asset = upload(licence=json.dumps(licences.owned()))

    assert _reasons(_edit(editor, asset["id"], model="nc-model")) == [
        ("model_non_commercial", "model:nc-model")
    ]
    workspace.settings = {"licensing": {"commercial": False}}
    workspace.save()
    assert _edit(editor, asset["id"], model="nc-model").status_code == 202


def test_blocked_terms_and_patterns_refuse_and_every_reason_is_listed_at_once(
    editor, upload, make_model, workspace
):
    # given a non-commercial model, an input that forbids AI edits, and prompt rules
    make_model("nc-model", commercial=False)
    asset = upload(licence=json.dumps(licences.stock(ai_editing_allowed=False)))
    _rules(workspace, blocked_terms=["Globex", "Tom Cruise"], blocked_patterns=[r"\bcoca[- ]?cola\b"])

    # when the prompt names a competitor (any case, extra spaces, full-width letters) and a celebrity
    response = _edit(
        editor,
        asset["id"],
        model="nc-model",
        prompt="\uff27\uff2c\uff2f\uff22\uff25\uff38 can next to tom   cruise, Coca-Cola",
    )

    # then the 422 lists every reason
    reasons = _reasons(response)
    assert reasons == [
        ("licence_forbids_ai_editing", f"asset:{asset['id']}"),
        ("model_non_commercial", "model:nc-model"),
        ("prompt_blocked_term", "prompt"),
        ("prompt_blocked_term", "prompt"),
        ("prompt_blocked_term", "prompt"),
    ]
    messages = " ".join(r["message"] for r in response.json()["error"]["details"]["reasons"])
    assert "Globex" in messages and "Tom Cruise" in messages and "coca" in messages


def test_terms_match_whole_words_only(editor, upload, make_model, workspace):
    make_model()
    asset = upload(licence=json.dumps(licences.owned()))
    _rules(workspace, blocked_terms=["ace"])

    assert _edit(editor, asset["id"], prompt="a place in space").status_code == 202
    assert _reasons(_edit(editor, asset["id"], prompt="an ace of spades")) == [
        ("prompt_blocked_term", "prompt")
    ]


def test_a_rule_that_runs_too_long_refuses_the_request(editor, upload, make_model, workspace, settings):
    make_model()
    asset = upload(licence=json.dumps(licences.owned()))
    _rules(workspace, blocked_patterns=[r"x\s*x\s*x\s*q"])
    settings.PROMPT_PATTERN_TIMEOUT_S = 1e-7  # stands for a pathological rule on a long prompt

    assert _reasons(_edit(editor, asset["id"], prompt="x " * 900)) == [("prompt_rule_timeout", "prompt")]


def test_flagged_terms_do_not_block_but_add_the_legal_stage(
    editor, upload, make_model, make_asset, workspace
):
    make_model()
    asset = upload(licence=json.dumps(licences.owned()))
    _rules(workspace, flagged_terms=["celebrity"], flagged_patterns=[r"\blook-?alike\b"])

    assert _edit(editor, asset["id"], prompt="a celebrity on a beach").status_code == 202

    source = make_asset(licences.owned())
    flagged = make_asset(parents=(source,), model_key="sd-test", prompt="a Celebrity on a beach")
    lookalike = make_asset(parents=(source,), model_key="sd-test", prompt="a lookalike of the CEO")
    plain = make_asset(parents=(source,), model_key="sd-test", prompt="a dog on a beach")
    resized = make_asset(parents=(flagged,), origin="rendition")
    assert policy.extra_review_stages(flagged) == ["legal_reviewer"]
    assert policy.extra_review_stages(lookalike) == ["legal_reviewer"]
    assert policy.extra_review_stages(resized) == ["legal_reviewer"]  # derived from a flagged output
    assert policy.extra_review_stages(plain) == []
    assert policy.extra_review_stages(source) == []


def test_check_job_request_directly_for_a_classical_operation(workspace, make_asset, frozen_clock):
    asset = make_asset(licences.stock(ai_editing_allowed=False, expires_at=T0 - timedelta(seconds=1)))

    reasons = policy.check_job_request(
        workspace=workspace, operation=catalog.get_operation("resize"), inputs=[asset], params={}, prompt=""
    )

    assert [r.code for r in reasons] == ["licence_expired"]


# --- the policy admin API -------------------------------------------------------------------------------


def test_admins_read_and_replace_the_policy(admin_member, workspace):
    url = "/api/v1/workspaces/acme/policy"
    body = {
        "prompt_rules": {"blocked_terms": ["Globex", " globex "], "flagged_patterns": [r"celebrit(y|ies)"]},
        "licensing": {"allow_unknown": True, "commercial_channels": ["advertising"]},
    }

    response = admin_member.client.put(url, body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["prompt_rules"]["blocked_terms"] == ["Globex"]
    assert response.json()["licensing"] == {
        "allow_unknown": True,
        "commercial": True,
        "commercial_channels": ["advertising"],
    }
    assert admin_member.client.get(url).json() == response.json()
    workspace.refresh_from_db()
    assert workspace.settings["licensing"]["allow_unknown"] is True


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"blocked_patterns": ["(a+)+$"]}, "blocked_patterns"),
        ({"blocked_patterns": ["(\\w+)\\1"]}, "blocked_patterns"),
        ({"flagged_patterns": ["["]}, "flagged_patterns"),
        ({"flagged_patterns": ["a" * 201]}, "flagged_patterns"),
        ({"blocked_terms": [""]}, "blocked_terms"),
        ({"blocked_terms": ["x"] * 201}, "blocked_terms"),
        ({"nonsense": []}, "nonsense"),
    ],
)
def test_dangerous_or_invalid_rules_are_refused_with_the_field(admin_member, rules, field):
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/policy", {"prompt_rules": rules}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_policy"
    assert field in response.json()["error"]["details"]["fields"]
    assert not PromptPolicy.objects.exists()


def test_only_admins_manage_the_policy_and_outsiders_see_nothing(editor, admin_member, outsider):
    url = "/api/v1/workspaces/acme/policy"
    assert editor.client.get(url).status_code == 403
    assert editor.client.put(url, {"prompt_rules": {}}, format="json").status_code == 403
    assert outsider.client.get(url).status_code == 404
    assert outsider.client.put(url, {"prompt_rules": {}}, format="json").status_code == 404
