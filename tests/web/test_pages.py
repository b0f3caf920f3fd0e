"""The reviewer and audit pages, server-rendered: sign-in, queue, review page decisions without
JavaScript, CSRF, Content-Security-Policy, and the admin audit page with filters and export."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from governance import reviews
from governance.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_pages_need_a_signed_in_user(client):
    for url in ("/reviews/", "/audit/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_sign_in_page_is_labelled_and_has_a_strict_csp(client, brand_reviewer):
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<label for="id_username">' in html and 'id="id_username"' in html
    assert '<label for="id_password">' in html
    assert "<script" not in html and "style=" not in html  # nothing inline for the CSP to block

    response = client.post("/login/", {"username": "brand", "password": "pw-brand"})
    assert response.status_code == 302 and response["Location"] == "/reviews/"


def test_sign_in_refuses_a_post_without_the_csrf_token(brand_reviewer):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "brand", "password": "pw-brand"})
    assert response.status_code == 403


def test_the_queue_shows_what_waits_for_me(brand_reviewer, legal_reviewer, make_output, submit):
    output = make_output()
    review = submit(output).json()

    html = _signed_in(brand_reviewer).get("/reviews/").content.decode()
    assert "Waiting for you (1)" in html
    assert f"/reviews/acme/{review['id']}/" in html

    html = _signed_in(legal_reviewer).get("/reviews/").content.decode()
    assert "Waiting for you (0)" in html
    assert "Other open reviews (1)" in html


def test_the_review_page_shows_output_sources_model_prompt_and_decides_without_js(
    brand_reviewer, make_output, submit
):
    output = make_output(prompt="a red bicycle on a beach", kind="generative")
    review = submit(output).json()
    client = _signed_in(brand_reviewer)
    url = f"/reviews/acme/{review['id']}/"

    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<img src="/reviews/acme/assets/') == 2  # the output beside its source
    assert "a red bicycle on a beach" in html
    assert output.sha256 in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="decision-approve">Approve</label>' in html
    assert '<label for="comment">' in html
    assert "<script" not in html and "style=" not in html
    # the images are the stored bytes, served to members
    image_url = re.search(r'<img src="(/reviews/acme/assets/[^"]+)"', html).group(1)
    image = client.get(image_url)
    assert image.status_code == 200 and b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"

    # when the reviewer approves through the plain form
    response = client.post(
        url, {"action": "decide", "decision": "approve", "comment": "ok", "sha256": output.sha256}
    )

    # then the page redirects back (POST/redirect/GET) and shows the new stage
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert "current stage: <strong>legal</strong>" in html
    assert "Approve: recorded for the brand stage" in html
    assert AuditEvent.objects.filter(action="review.approve", actor_label="brand").exists()


def test_the_review_page_shows_refusals_with_their_code(make_member, workspace, editor, make_output, submit):
    output = make_output()
    review = submit(output).json()
    url = f"/reviews/acme/{review['id']}/"
    reviewer = _signed_in(make_member(workspace, "b1", ["brand_reviewer"]))

    response = reviewer.post(url, {"action": "decide", "decision": "approve", "sha256": "f" * 64})
    assert response.status_code == 409
    assert "hash_mismatch" in response.content.decode()
    assert 'role="alert"' in response.content.decode()

    # the requester sees no decision form, and a forged POST is refused
    requester = _signed_in(editor)
    assert 'name="decision"' not in requester.get(url).content.decode()
    response = requester.post(url, {"action": "decide", "decision": "approve", "sha256": output.sha256})
    assert response.status_code == 403
    assert "permission_denied" in response.content.decode()
    assert reviews.is_approved(output) is False


def test_the_requester_withdraws_from_the_page(editor, make_output, submit):
    output = make_output()
    review = submit(output).json()
    client = _signed_in(editor)
    url = f"/reviews/acme/{review['id']}/"
    assert "Withdraw review" in client.get(url).content.decode()

    response = client.post(url, {"action": "withdraw"})

    assert response.status_code == 302
    assert "Withdrawn" in client.get(url).content.decode()


def test_review_pages_of_another_workspace_are_not_found(outsider, make_output, submit):
    output = make_output()
    review = submit(output).json()
    client = _signed_in(outsider)
    assert client.get(f"/reviews/acme/{review['id']}/").status_code == 404
    assert client.get(f"/reviews/globex/{review['id']}/").status_code == 404
    assert client.get(f"/reviews/acme/assets/{output.pk}/image").status_code == 404


def test_the_audit_page_is_for_admins_and_filters_ai_content(
    admin_member, editor, brand_reviewer, legal_reviewer, make_output, submit, decide, live_publication
):
    approved = make_output(seed=1)
    review = submit(approved).json()
    decide(brand_reviewer, review["id"], "approve", approved.sha256)
    decide(legal_reviewer, review["id"], "approve", approved.sha256)
    unreviewed = make_output(seed=2)

    assert _signed_in(editor).get("/audit/acme/").status_code == 403
    client = _signed_in(admin_member)
    assert client.get("/audit/").status_code == 302  # straight to the only workspace administered

    def rows(query=""):
        html = client.get(f"/audit/acme/{query}").content.decode()
        return set(re.findall(r'<tr id="asset-([0-9a-f-]+)">', html))

    assert rows() == {str(approved.pk), str(unreviewed.pk)}
    html = client.get("/audit/acme/").content.decode()
    assert (
        '<label for="f-model">Model</label>' in html and '<label for="f-state">Review state</label>' in html
    )
    assert rows("?state=approved") == {str(approved.pk)}
    assert rows("?state=unreviewed") == {str(unreviewed.pk)}
    assert rows("?user=ed2") == {str(approved.pk), str(unreviewed.pk)}
    live_publication(approved, name="Main blog")
    assert rows("?published=main+blog") == {str(approved.pk)}
    assert rows("?published=shop") == set()
    from photai_dam.jobs.models import Job

    Job.objects.filter(output_links__asset=unreviewed).update(model_key="sd15")
    assert rows("?model=sd15") == {str(unreviewed.pk)}
    assert '<option value="sd15">sd15</option>' in client.get("/audit/acme/").content.decode()
    html = client.get("/audit/acme/?user=nobody").content.decode()
    assert "No AI content matches." in html
    html = client.get("/audit/acme/?action=review.").content.decode()
    assert "<code>review.approve</code>" in html and "<code>asset.upload</code>" not in html


def test_the_audit_page_exports_what_it_filters(admin_member, editor, upload):
    upload()
    client = _signed_in(admin_member)
    html = client.get("/audit/acme/?action=asset.upload").content.decode()
    assert 'href="/audit/acme/export.csv?action=asset.upload"' in html

    response = client.get("/audit/acme/export.csv?action=asset.upload")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.count("asset.upload") == 1
    assert _signed_in(editor).get("/audit/acme/export.jsonl").status_code == 403


def test_the_prompt_is_shown_only_where_the_workspace_shares_it(
    admin_member, brand_reviewer, make_output, submit
):
    import hashlib

    output = make_output(prompt="confidential launch: Project Falcon", kind="generative")
    review = submit(output).json()
    url = f"/reviews/acme/{review['id']}/"
    assert "Project Falcon" in _signed_in(brand_reviewer).get(url).content.decode()

    admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings", {"share_prompts": False}, format="json"
    )

    html = _signed_in(brand_reviewer).get(url).content.decode()
    assert "Project Falcon" not in html
    assert "not shared with reviewers" in html
    assert hashlib.sha256(b"confidential launch: Project Falcon").hexdigest() in html


def test_the_stylesheet_loads_in_the_embedded_default(client, settings):
    if not settings.EMBEDDED_WORKER:
        pytest.skip("with a real broker the deployment serves collected static files itself")
    response = client.get("/static/web/site.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b".skip-link" in b"".join(response.streaming_content)
