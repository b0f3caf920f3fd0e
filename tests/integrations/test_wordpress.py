"""Publishing to a REAL WordPress (Debian package, MariaDB, PHP's built-in server) started by the test run."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from fixtures.images import image_bytes
from integrations import actions
from integrations.models import Publication
from tests.integrations.helpers import publish, stored_bytes
from tests.plugins.integrations import wait_for_publication

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wordpress]


@pytest.fixture
def site(make_connection: Any, wordpress_site: Any) -> dict[str, Any]:
    return make_connection(
        "wordpress",
        wordpress_site.url,
        credentials={"username": wordpress_site.user, "application_password": wordpress_site.app_password},
        territory="worldwide",
        webhook_secret="wordpress-plugin-secret-0123456789",
    )


def _media_with_slug(wordpress_site: Any, publication_id: str) -> list[dict[str, Any]]:
    response = wordpress_site.api(
        "GET", "/wp/v2/media", params={"slug": f"photai-{publication_id}", "context": "edit"}
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def test_connection_test_checks_the_application_password(admin_member, site, wordpress_site, make_connection):
    ok = admin_member.client.post(f"/api/v1/workspaces/acme/connections/{site['id']}/test").json()
    assert (ok["ok"], ok["result"]) == (True, "reachable")

    wrong = make_connection(
        "wordpress",
        wordpress_site.url,
        name="wrong password",
        credentials={
            "username": wordpress_site.user,
            "application_password": "abcd efgh ijkl mnop qrst uvwx",
        },
    )
    answer = admin_member.client.post(f"/api/v1/workspaces/acme/connections/{wrong['id']}/test").json()
    # WordPress's own 401 rest_not_logged_in, told as a fixed result: nothing the remote said is echoed
    assert answer == {
        "ok": False,
        "result": "auth_failed",
        "message": "The service answered but refused the credentials.",
    }
    listed = admin_member.client.get(f"/api/v1/workspaces/acme/connections/{wrong['id']}").json()
    assert (listed["last_test_ok"], listed["last_test_error"]) == (False, "auth_failed")


def test_publish_sets_alt_text_and_caption_and_serves_the_exact_bytes(
    editor, approved_upload, site, wordpress_site, integrations_worker
):
    # given an approved image
    asset = approved_upload(title="Red bicycle")

    # when the editor publishes it with alt text
    response = publish(editor, asset["id"], site["id"], alt_text="A red bicycle against a wall")
    assert response.status_code == 202, response.content
    publication = wait_for_publication(editor.client, response.json()["id"])
    assert publication["status"] == "live", publication

    # then WordPress has the media with our alt text and caption ...
    media = wordpress_site.api(
        "GET", f"/wp/v2/media/{publication['remote_id']}", params={"context": "edit"}
    ).json()
    assert media["alt_text"] == "A red bicycle against a wall"
    assert media["caption"]["raw"] == publication["disclosure"]
    assert media["source_url"] == publication["remote_url"]
    # ... and serves the stored bytes unchanged (no re-encode)
    served = httpx.get(media["source_url"], timeout=30)
    assert served.status_code == 200
    assert served.content == stored_bytes(asset["id"])


def test_publishing_twice_and_a_redelivered_message_never_upload_a_second_copy(
    editor, approved_upload, site, wordpress_site, integrations_worker
):
    asset = approved_upload()
    first = wait_for_publication(editor.client, publish(editor, asset["id"], site["id"]).json()["id"])

    # the same request again returns the same publication
    again = publish(editor, asset["id"], site["id"])
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]

    # a retry that lost every checkpoint (an answer lost after WordPress stored the file) finds the
    # media by its slug instead of uploading again
    Publication.objects.filter(pk=first["id"]).update(status="publishing", remote_state={}, remote_id="")
    actions.run_publish(first["id"])

    assert Publication.objects.get(pk=first["id"]).status == "live"
    assert Publication.objects.get(pk=first["id"]).remote_id == first["remote_id"]
    assert [m["id"] for m in _media_with_slug(wordpress_site, first["id"])] == [int(first["remote_id"])]


def test_unpublish_deletes_the_media_for_good(
    editor, approved_upload, site, wordpress_site, integrations_worker
):
    asset = approved_upload()
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], site["id"]).json()["id"])

    response = editor.client.post(
        f"/api/v1/workspaces/acme/publications/{publication['id']}/unpublish", {}, format="json"
    )
    assert response.status_code == 202
    done = wait_for_publication(editor.client, publication["id"], until=("unpublished", "live"))

    assert done["status"] == "unpublished"
    assert wordpress_site.api("GET", f"/wp/v2/media/{publication['remote_id']}").status_code == 404
    # the file itself is gone from the uploads folder (PHP's server then answers with WordPress's redirect)
    relative = httpx.URL(publication["remote_url"]).path.lstrip("/")
    assert not (wordpress_site.directory / "wp" / relative).exists()
    assert httpx.get(publication["remote_url"], timeout=30).status_code != 200


PLUGIN = (
    Path(__file__).resolve().parents[2] / "integrations" / "wordpress" / "plugin" / "photai-dam-webhooks.php"
)


def test_deleting_the_media_inside_wordpress_reaches_us_through_our_plugin(
    editor, approved_upload, site, wordpress_site, integrations_worker, live_server
):
    # given our plugin in WordPress, pointed at this service's webhook URL with the connection's secret
    mu_plugins = wordpress_site.directory / "wp" / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    installed = [mu_plugins / "photai-dam-webhooks.php", mu_plugins / "photai-dam-config.php"]
    shutil.copy(PLUGIN, installed[0])
    installed[1].write_text(
        "<?php\n"
        f"define('PHOTAI_DAM_WEBHOOK_URL', '{live_server.url}/hooks/{site['id']}/');\n"
        "define('PHOTAI_DAM_WEBHOOK_SECRET', 'wordpress-plugin-secret-0123456789');\n"
    )
    try:
        asset = approved_upload()
        publication = wait_for_publication(
            editor.client, publish(editor, asset["id"], site["id"]).json()["id"]
        )
        assert publication["status"] == "live"

        # when someone deletes the media in WordPress itself
        deleted = wordpress_site.api(
            "DELETE", f"/wp/v2/media/{publication['remote_id']}", params={"force": "true"}
        )
        assert deleted.status_code == 200, deleted.text

        # then the signed webhook arrives and the publication says it was removed remotely
        done = wait_for_publication(editor.client, publication["id"], until=("removed_remotely",), timeout=10)
        assert done["unpublish_reason"] == "webhook:attachment.deleted"
    finally:
        for path in installed:
            path.unlink(missing_ok=True)


class _Recorder:
    """Where the plugin is pointed in the next test: keeps every delivery exactly as it arrived."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        deliveries = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_plugin_signs_the_delivery_id_and_timestamp_with_the_body(site, wordpress_site):
    # given our plugin in the real WordPress, pointed at a recorder
    recorder = _Recorder()
    mu_plugins = wordpress_site.directory / "wp" / "wp-content" / "mu-plugins"
    mu_plugins.mkdir(exist_ok=True)
    installed = [mu_plugins / "photai-dam-webhooks.php", mu_plugins / "photai-dam-config.php"]
    shutil.copy(PLUGIN, installed[0])
    installed[1].write_text(
        "<?php\n"
        f"define('PHOTAI_DAM_WEBHOOK_URL', '{recorder.url}');\n"
        "define('PHOTAI_DAM_WEBHOOK_SECRET', 'wordpress-plugin-secret-0123456789');\n"
    )
    try:
        # when a media item is deleted in WordPress
        created = wordpress_site.api(
            "POST",
            "/wp/v2/media",
            content=image_bytes("JPEG", 64, 48),
            headers={"Content-Type": "image/jpeg", "Content-Disposition": 'attachment; filename="gone.jpg"'},
        )
        assert created.status_code == 201, created.text
        media_id = created.json()["id"]
        deleted = wordpress_site.api("DELETE", f"/wp/v2/media/{media_id}", params={"force": "true"})
        assert deleted.status_code == 200, deleted.text
    finally:
        for path in installed:
            path.unlink(missing_ok=True)
        recorder.server.shutdown()
        recorder.server.server_close()

    # then the plugin sent one delivery, signed over "<delivery id>.<timestamp>.<body>" (computed here)
    assert len(recorder.deliveries) == 1
    headers, body = recorder.deliveries[0]
    delivery, timestamp = headers["x-photai-delivery"], headers["x-photai-timestamp"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", delivery)
    assert timestamp.isdigit() and abs(time.time() - int(timestamp)) < 120
    message = f"{delivery}.{timestamp}.".encode() + body
    expected = hmac.new(b"wordpress-plugin-secret-0123456789", message, hashlib.sha256).hexdigest()
    assert headers["x-photai-signature"] == f"sha256={expected}"
    assert json.loads(body)["attachment_id"] == media_id

    # and the DAM takes it once; the same delivery again is a duplicate, under another id it is refused
    def forward(delivery_id: str) -> Any:
        return Client().post(
            f"/hooks/{site['id']}/",
            body,
            content_type="application/json",
            headers={
                "X-PhotAI-Delivery": delivery_id,
                "X-PhotAI-Timestamp": timestamp,
                "X-PhotAI-Signature": headers["x-photai-signature"],
            },
        )

    first = forward(delivery)
    assert first.status_code == 200, first.content
    assert first.json()["duplicate"] is False
    assert forward(delivery).json() == {"duplicate": True}
    renamed = forward(str(uuid.uuid4()))
    assert renamed.status_code == 401 and renamed.json()["error"]["code"] == "invalid_signature"


def test_an_ai_output_goes_out_with_its_disclosure_and_its_signed_bytes(
    editor, approved_ai_output, site, wordpress_site, integrations_worker
):
    # given a real AI output (watermarked, C2PA-signed) approved by brand and legal
    output = approved_ai_output()

    # when it is published
    response = publish(editor, str(output.pk), site["id"], alt_text="A red bicycle on a beach")
    assert response.status_code == 202, response.content
    publication = wait_for_publication(editor.client, response.json()["id"])
    assert publication["status"] == "live", publication

    # then WordPress carries the AI disclosure as caption and description, and serves the signed bytes
    media = wordpress_site.api(
        "GET", f"/wp/v2/media/{publication['remote_id']}", params={"context": "edit"}
    ).json()
    assert media["caption"]["raw"].startswith("AI disclosure: AI edited image.")
    assert "Content Credentials (C2PA)" in media["description"]["raw"]
    assert media["alt_text"] == "A red bicycle on a beach"
    served = httpx.get(media["source_url"], timeout=30).content
    assert served == stored_bytes(str(output.pk))
    assert publication["sha256"] == output.sha256
    # what a visitor downloads from WordPress still proves what it is (verify)
    from governance import provenance

    verified = provenance.verify_bytes(served)
    assert verified["consistent"] is True
    assert verified["watermark"]["asset_id"] == str(output.pk)
