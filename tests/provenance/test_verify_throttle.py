"""Verifying is CPU-heavy, so each user gets a rate: past it, 429 with a code, and nothing is computed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.throttling import ScopedRateThrottle

from fixtures.images import image_bytes


def test_verify_answers_429_past_the_per_user_rate(editor, outsider, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/min"})
    data = image_bytes("PNG", 300, 300)

    def verify(member):
        return member.client.post(
            "/api/v1/verify", {"file": SimpleUploadedFile("x.png", data)}, format="multipart"
        )

    assert verify(editor).status_code == 200
    assert verify(editor).status_code == 200
    third = verify(editor)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"
    # the rate is per user: someone else is not held up
    assert verify(outsider).status_code == 200
