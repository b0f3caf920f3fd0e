"""Sign-in throttling: per account and per client address, refused before the password is looked at,
429 with Retry-After on /login/, the admin's sign-in refused too, and every failed or throttled sign-in
in the audit log."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from governance.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.LOGIN_RATE_ACCOUNT = "3/15m"
    settings.LOGIN_RATE_ADDRESS = "5/15m"
    return settings


def _sign_in(username: str, password: str, *, address: str = "203.0.113.7", path: str = "/login/") -> object:
    client = Client()
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(response) -> bool:
    return response.status_code == 302


def test_an_account_is_throttled_after_its_failed_sign_ins(rates, brand_reviewer, legal_reviewer):
    for _ in range(3):
        assert _sign_in("brand", "wrong-password").status_code == 200

    # then even the right password is refused, from anywhere, before it is checked
    refused = _sign_in("brand", "pw-brand", address="198.51.100.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    # another account from the same address is not held up
    assert _signed_in(_sign_in("legal", "pw-legal"))
    events = list(AuditEvent.objects.filter(action__startswith="auth.login").values_list("action", "data"))
    assert [a for a, _ in events] == ["auth.login_failed"] * 3 + ["auth.login_throttled"]
    assert events[-1][1]["scope"] == "account" and events[-1][1]["ip"] == "198.51.100.9"


def test_a_client_address_is_throttled_across_accounts(rates, brand_reviewer, legal_reviewer):
    for name in ("a", "b", "c", "d", "e"):
        _sign_in(name, "guess")

    refused = _sign_in("brand", "pw-brand")
    assert refused.status_code == 429
    thrown = AuditEvent.objects.get(action="auth.login_throttled")
    assert thrown.data["scope"] == "address"
    # the same account from another address still signs in
    assert _signed_in(_sign_in("brand", "pw-brand", address="192.0.2.44"))


def test_a_successful_sign_in_clears_the_accounts_count(rates, brand_reviewer):
    for _ in range(2):
        _sign_in("brand", "wrong-password")
    assert _signed_in(_sign_in("brand", "pw-brand"))

    for _ in range(2):
        assert _sign_in("brand", "wrong-password").status_code == 200
    assert _signed_in(_sign_in("brand", "pw-brand"))


def test_the_admin_sign_in_is_throttled_too(rates, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    for _ in range(3):
        _sign_in("root", "wrong-password", path="/admin/login/")

    refused = _sign_in("root", "pw-root-123456", path="/admin/login/")

    assert not _signed_in(refused)
    assert AuditEvent.objects.filter(action="auth.login_throttled", data__username="root").count() == 1


def test_the_window_ends(settings, brand_reviewer):
    settings.LOGIN_RATE_ACCOUNT = "1/2s"
    _sign_in("brand", "wrong-password")
    assert _sign_in("brand", "pw-brand").status_code == 429

    time.sleep(2.1)

    assert _signed_in(_sign_in("brand", "pw-brand"))


def test_malformed_rates_stop_start_up(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.LOGIN_RATE_ACCOUNT = "five per minute"

    with pytest.raises(SystemCheckError, match=r"photai\.E006.*PHOTAI_LOGIN_RATE_ACCOUNT"):
        call_command("check")
