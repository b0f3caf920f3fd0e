"""The admin audit API: list with filters, streaming JSONL/CSV export, and the evidence bundle."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workspaces/acme"


def _approved_output(make_output, submit, decide, brand_reviewer, legal_reviewer, **kwargs):
    output = make_output(**kwargs)
    review = submit(output, comment="please check").json()
    decide(brand_reviewer, review["id"], "approve", output.sha256, "on brand")
    decide(legal_reviewer, review["id"], "approve", output.sha256)
    return output, review


def test_only_admins_read_the_audit_trail(editor, brand_reviewer, admin_member, outsider):
    for member in (editor, brand_reviewer):
        response = member.client.get(f"{BASE}/audit")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert member.client.get(f"{BASE}/audit/export.jsonl").status_code == 403
    assert outsider.client.get(f"{BASE}/audit").status_code == 404
    assert admin_member.client.get(f"{BASE}/audit").status_code == 200


def test_list_filters_by_action_namespace_actor_and_object(
    admin_member, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    _, review = _approved_output(make_output, submit, decide, brand_reviewer, legal_reviewer)
    other = make_output(seed=5)
    submit(other)

    def actions(query):
        response = admin_member.client.get(f"{BASE}/audit?{query}")
        assert response.status_code == 200, response.content
        return [e["action"] for e in response.json()["results"]]

    assert actions(f"object_id={review['id']}") == ["review.approve", "review.approve", "review.submit"]
    assert actions("action=review.approve&actor=brand") == ["review.approve"]
    assert sorted(set(actions("action=review."))) == ["review.approve", "review.submit"]
    assert actions("action=review.submit") == ["review.submit", "review.submit"]
    response = admin_member.client.get(f"{BASE}/audit?since=yesterday")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_filter"


def test_export_streams_jsonl_and_csv_that_match_the_chain(admin_member, editor, upload):
    upload()
    upload(title='=HYPERLINK("http://evil")')

    response = admin_member.client.get(f"{BASE}/audit/export.jsonl")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert all(e["workspace"] == "acme" for e in events)
    assert {"asset.upload", "licence.set", "member.add"} <= {e["action"] for e in events}
    assert all(len(e["hash"]) == 64 and len(e["prev_hash"]) == 64 for e in events)

    response = admin_member.client.get(f"{BASE}/audit/export.csv?action=asset.upload")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="audit-acme.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["asset.upload", "asset.upload"]
    assert json.loads(rows[0]["data"])["mime_type"] == "image/jpeg"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(admin_member, make_member, workspace, upload):
    # a username that a spreadsheet would execute, acting in the workspace
    upload(member=make_member(workspace, "=cmd", ["editor"]))

    response = admin_member.client.get(f"{BASE}/audit/export.csv?action=asset.upload")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["actor"] for r in rows] == ["'=cmd"]


def test_evidence_bundle_names_everything_an_auditor_needs(
    admin_member, editor2, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    output, review = _approved_output(
        make_output, submit, decide, brand_reviewer, legal_reviewer, prompt="a red bicycle", kind="generative"
    )

    response = admin_member.client.get(f"{BASE}/assets/{output.pk}/evidence")

    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["asset"]["sha256"] == output.sha256
    assert bundle["approved"] is True
    parent = bundle["lineage"][0]["parent"]
    assert bundle["lineage"][0]["relationship"] == "parentOf" and parent["origin"] == "upload"
    job = bundle["jobs"][0]
    assert bundle["produced_by_job"] == job["id"]
    assert job["created_by"] == "ed2"
    import hashlib

    assert bundle["prompt_hashes"] == [hashlib.sha256(b"a red bicycle").hexdigest()]
    assert "a red bicycle" not in response.content.decode()  # hashes, never the prompt itself
    assert [r["id"] for r in bundle["reviews"]] == [review["id"]]
    assert [(d["stage"], d["reviewer"], d["decision"]) for d in bundle["reviews"][0]["decisions"]] == [
        ("brand", "brand", "approve"),
        ("legal", "legal", "approve"),
    ]
    assert bundle["licences"]["records"][parent["id"]][0]["current"] is True  # the source's licence
    assert {"asset.output", "review.submit", "review.approve"} <= {
        e["action"] for e in bundle["audit_events"]
    }
    # every section is there: publications and model licences come through governance's ports
    assert bundle["unavailable"] == []
    assert isinstance(bundle["licences"]["effective"], dict)
    assert bundle["manifest"]["recorded"] is True
    assert bundle["publications"] == []


def test_evidence_is_admin_only_and_isolated(editor, outsider, admin_member, make_output):
    output = make_output()
    assert editor.client.get(f"{BASE}/assets/{output.pk}/evidence").status_code == 403
    assert outsider.client.get(f"{BASE}/assets/{output.pk}/evidence").status_code == 404
    assert outsider.client.get(f"/api/v1/workspaces/globex/assets/{output.pk}/evidence").status_code == 404
    assert admin_member.client.get(f"{BASE}/assets/not-a-uuid/evidence").status_code == 404
