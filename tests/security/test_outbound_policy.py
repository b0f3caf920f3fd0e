"""The SSRF matrix of the outbound-request policy (invariant I8).

Every refused address is spelled every way a URL can spell it, and a socket listening on loopback counts
the connections it accepts: the proof is that it accepted none, with the allow-list NOT covering it. Where
the spelling reaches that socket with a plain httpx client (the premise of the test), that is shown too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from governance.reviews.choices import DeliveryStatus
from governance.reviews.models import WebhookDelivery
from integrations.models import Connection
from photai_dam import outbound
from tests.integrations.helpers import publish
from tests.plugins.integrations import wait_for_publication
from tests.plugins.worker import wait_until
from tests.security.servers import CountingListener, RedirectServer

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = "/api/v1/workspaces/acme/connections"
WP_CREDENTIALS = {"username": "editor", "application_password": "abcd efgh ijkl mnop"}

# Every way a URL can name this machine's loopback (or unspecified) address.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.0.0.1.",  # trailing dot
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "017700000001",  # octal
    "0x7f.1",  # hex, short form
    "0177.0.0.1",  # octal first part
    "127.000.000.001",
    "127.1",  # short forms
    "127.0.1",
    "0",
    "0.0.0.0",  # noqa: S104  (a URL host under test, nothing binds to it)
    "0x0",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "photai.localhost",  # RFC 6761: every *.localhost name is loopback
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::127.0.0.1]",  # IPv4-compatible (deprecated)
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[fe80::1%25lo]",  # link-local with a zone
]
# Spellings that a plain httpx client connects to the listener with on Linux: the matrix's premise.
REACHABLE_WITHOUT_POLICY = {
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "0x7f.1",
    "127.1",
    "0",
    "0.0.0.0",  # noqa: S104  (a URL host under test, nothing binds to it)
    "localhost",
    "LOCALHOST",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
}


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    server = CountingListener()
    yield server
    server.close()


@pytest.fixture
def no_allow_list(settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = []


def _settle() -> None:
    time.sleep(0.1)  # a connection accepted by the kernel reaches the counting thread within this


# --- the matrix at the HTTP client ------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_no_spelling_of_a_refused_address_is_connected_to(listener, no_allow_list, spelling):
    if spelling.startswith("[") and not listener.ipv6:
        pytest.skip("no IPv6 loopback here")
    url = f"http://{spelling}:{listener.port}/wp-json/"

    with outbound.client(timeout=2) as http, pytest.raises((outbound.OutboundRefused, httpx.InvalidURL)):
        http.get(url)
    _settle()
    assert listener.count == 0

    if spelling in REACHABLE_WITHOUT_POLICY:
        # the premise: without the policy this spelling does reach the socket, so a leak would be counted
        assert httpx.get(url, timeout=2).status_code == 200
        _settle()
        assert listener.count == 1


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_every_spelling_is_refused_when_a_url_is_saved(no_allow_list, spelling):
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_url(f"https://{spelling}/wp-json")
    assert refused.value.code == "outbound_address_refused"
    assert refused.value.reason in ("loopback", "unspecified", "link_local")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "shared_address_space"),
        ("169.254.169.254", "link_local"),
        ("224.0.0.251", "multicast"),
        ("239.255.255.250", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("192.0.0.8", "reserved"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "unique_local"),
        ("fd12:3456::1", "unique_local"),
        ("fe80::1", "link_local"),
        ("fec0::1", "site_local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("2001::1", "reserved"),  # Teredo
        ("100::1", "reserved"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link_local"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:c0a8:101::", "private"),  # 6to4 of 192.168.1.1
        ("::a00:1", "private"),  # IPv4-compatible 10.0.0.1
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address
    ],
)
def test_refused_ranges(no_allow_list, address, reason):
    assert outbound.refusal_reason(ipaddress.ip_address(address), 443) == reason


def test_public_addresses_only_on_the_allowed_ports_and_allow_listed_ones_on_any(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    public = ipaddress.ip_address("93.184.216.34")

    assert outbound.refusal_reason(public, 443) is None
    assert outbound.refusal_reason(public, 80) is None
    assert outbound.refusal_reason(public, 6379) == "port"
    assert outbound.refusal_reason(ipaddress.ip_address("10.20.3.4"), 6379) is None
    assert outbound.refusal_reason(ipaddress.ip_address("10.21.3.4"), 443) == "private"
    with pytest.raises(outbound.OutboundRefused, match="port"):
        outbound.check_url("https://93.184.216.34:22/")
    for url in ("ftp://93.184.216.34/", "file:///etc/passwd", "gopher://93.184.216.34/"):
        with pytest.raises(outbound.OutboundRefused) as refused:
            outbound.check_url(url)
        assert refused.value.reason == "scheme"


def test_the_allow_list_opens_exactly_its_networks(listener, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    with outbound.client(timeout=2) as http:
        assert http.get(f"http://127.0.0.1:{listener.port}/").status_code == 200
        # the IPv4-mapped spelling is the same address on the wire, so the same entry covers it
        assert http.get(f"http://[::ffff:127.0.0.1]:{listener.port}/").status_code == 200
        if listener.ipv6:
            with pytest.raises(outbound.OutboundRefused, match="loopback"):
                http.get(f"http://[::1]:{listener.port}/")  # ::1 is not in 127.0.0.0/8
    _settle()
    assert listener.count == 2


def test_a_malformed_allow_list_stops_start_up_and_refuses_everything(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/33", "intranet"]
    settings.OUTBOUND_ALLOWED_PORTS = ["443", "http"]

    with pytest.raises(SystemCheckError) as failed:
        call_command("check")
    message = str(failed.value)
    assert "photai.E003" in message
    assert "'10.0.0.0/33'" in message and "'intranet'" in message and "'http'" in message
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_url("https://93.184.216.34/")
    assert refused.value.reason == "policy_misconfigured"  # fail closed, never open


# --- redirects ------------------------------------------------------------------------------------------
@pytest.fixture
def redirect_to_listener(listener: CountingListener, settings: Any) -> Iterator[RedirectServer]:
    """An allowed server (127.0.0.2, allow-listed alone) that redirects to the refused listener."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    server = RedirectServer("127.0.0.2", f"http://127.0.0.1:{listener.port}/internal")
    yield server
    server.close()


def test_redirects_are_not_followed_and_a_followed_hop_is_checked_again(listener, redirect_to_listener):
    with outbound.client(timeout=2) as http:
        assert http.get(redirect_to_listener.url).status_code == 302  # off by default
    with outbound.client(timeout=2, follow_redirects=True) as http, pytest.raises(outbound.OutboundRefused):
        http.get(redirect_to_listener.url)
    _settle()
    assert redirect_to_listener.requests == 2
    assert listener.count == 0

    # the premise: a client without the policy follows the redirect to the listener
    httpx.get(redirect_to_listener.url, follow_redirects=True, timeout=2)
    _settle()
    assert listener.count == 1


def test_a_connection_test_does_not_follow_a_redirect_to_a_refused_address(
    admin_member, make_connection, listener, redirect_to_listener
):
    site = make_connection("wordpress", redirect_to_listener.url, credentials=WP_CREDENTIALS)

    answer = admin_member.client.post(f"{CONNECTIONS}/{site['id']}/test").json()

    assert answer["result"] == "unreachable"
    _settle()
    assert redirect_to_listener.requests == 1 and listener.count == 0


# --- names that resolve to refused addresses, and DNS rebinding -------------------------------------------
class FakeResolver:
    """``socket.getaddrinfo`` for one name, answering from a script (one list of addresses per call)."""

    def __init__(self, name: str, answers: list[list[str]]) -> None:
        self.name = name
        self.answers = answers
        self.calls = 0
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != self.name:
            return self.real(host, port, *args, **kwargs)
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
            for address in answer
        ]


def test_a_name_with_any_refused_address_is_refused(listener, no_allow_list, settings, monkeypatch):
    settings.OUTBOUND_ALLOWED_PORTS = [str(listener.port)]  # so that only the address can be refused
    resolver = FakeResolver("cms.rebind.test", [["93.184.216.34", "127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.request("GET", f"http://cms.rebind.test:{listener.port}/", timeout=2)

    assert (refused.value.reason, refused.value.address) == ("loopback", "127.0.0.1")
    _settle()
    assert listener.count == 0


def test_rebinding_after_the_url_was_saved_is_refused_at_call_time(
    admin_member, make_connection, listener, no_allow_list, settings, monkeypatch
):
    settings.OUTBOUND_ALLOWED_PORTS = [str(listener.port)]  # so that only the address can be refused
    # given a name that resolved to a public address when the admin saved it ...
    resolver = FakeResolver("cms.rebind.test", [["93.184.216.34"], ["127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    site = make_connection("wordpress", f"http://cms.rebind.test:{listener.port}", credentials=WP_CREDENTIALS)
    assert resolver.calls == 1

    # ... and to loopback when it is called
    answer = admin_member.client.post(f"{CONNECTIONS}/{site['id']}/test").json()

    assert answer == {
        "ok": False,
        "result": "refused_by_policy",
        "message": "The address is refused by the outbound request policy.",
    }
    _settle()
    assert listener.count == 0


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return None


def test_the_connection_goes_to_the_address_that_was_checked(listener, settings, monkeypatch):
    # given an allowed server on 127.0.0.2 and the refused listener on 127.0.0.1, on the same port,
    # and a name whose first answer is the allowed address and every later answer the refused one
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    allowed = ThreadingHTTPServer(("127.0.0.2", listener.port), _Answer)
    threading.Thread(target=allowed.serve_forever, daemon=True).start()
    resolver = FakeResolver("cms.rebind.test", [["127.0.0.2"], ["127.0.0.1"]])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        # when it is called
        response = outbound.request("GET", f"http://cms.rebind.test:{listener.port}/", timeout=2)
    finally:
        allowed.shutdown()
        allowed.server_close()

    # then it reached the checked address, the name was resolved once, and the Host header kept the name
    assert response.text == "ok"
    assert resolver.calls == 1
    assert response.request.headers["Host"] == f"cms.rebind.test:{listener.port}"
    _settle()
    assert listener.count == 0


def test_a_proxy_from_the_environment_never_carries_a_request(listener, settings, monkeypatch):
    # given HTTP_PROXY pointing at the (refused) listener, and an allowed server
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{listener.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    allowed = ThreadingHTTPServer(("127.0.0.2", 0), _Answer)
    threading.Thread(target=allowed.serve_forever, daemon=True).start()
    try:
        response = outbound.request("GET", f"http://127.0.0.2:{allowed.server_port}/", timeout=2)
    finally:
        allowed.shutdown()
        allowed.server_close()

    # then the request went straight to the checked address
    assert response.text == "ok"
    _settle()
    assert listener.count == 0


# --- through the API: validation when saved, and a permanent error at call time ----------------------------
MUST_BE_REFUSED = [
    "http://127.0.0.1:8080",
    "http://localhost",
    "http://[::1]",
    "http://[::ffff:127.0.0.1]",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.8",
    "http://192.168.1.1",
    "http://100.64.0.1",
    "http://[fd00::1]",
    "http://[fe80::1]",
]


@pytest.mark.parametrize("url", MUST_BE_REFUSED)
def test_saving_a_refused_base_url_answers_422_with_a_code(admin_member, no_allow_list, url):
    response = admin_member.client.post(
        CONNECTIONS,
        {"kind": "wordpress", "name": "internal", "base_url": url, "credentials": WP_CREDENTIALS},
        format="json",
    )

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "outbound_address_refused"
    assert error["details"]["field"] == "base_url"
    assert not Connection.objects.exists()


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_no_spelling_gets_a_connection_saved(admin_member, no_allow_list, spelling):
    response = admin_member.client.post(
        CONNECTIONS,
        {
            "kind": "wordpress",
            "name": "loopback",
            "base_url": f"http://{spelling}:8080",
            "credentials": WP_CREDENTIALS,
        },
        format="json",
    )

    # refused by the policy, or already by URL validation (Django does not take every spelling)
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["code"] in ("outbound_address_refused", "invalid")
    assert not Connection.objects.exists()


def test_patching_a_base_url_or_an_upload_url_to_a_refused_address_is_refused(admin_member, no_allow_list):
    created = admin_member.client.post(
        CONNECTIONS,
        {
            "kind": "contentful",
            "name": "space",
            "base_url": "https://api.contentful.com",
            "config": {"space_id": "s1"},
            "credentials": {"cma_token": "CFPAT-12345678"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"{CONNECTIONS}/{created.json()['id']}"

    moved = admin_member.client.patch(url, {"base_url": "http://10.0.0.8"}, format="json")
    upload = admin_member.client.patch(
        url, {"config": {"space_id": "s1", "upload_base_url": "http://169.254.169.254/"}}, format="json"
    )

    assert moved.status_code == 422 and moved.json()["error"]["details"]["field"] == "base_url"
    assert upload.status_code == 422
    assert upload.json()["error"]["details"]["field"] == "config.upload_base_url"
    row = Connection.objects.get(pk=created.json()["id"])
    assert (row.base_url, row.config.get("upload_base_url")) == ("https://api.contentful.com", None)


@pytest.mark.parametrize("url", MUST_BE_REFUSED)
def test_a_review_webhook_url_is_checked_when_saved(admin_member, no_allow_list, url):
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"webhook_url": url, "webhook_secret": "receiver-shared-secret-0123"},
        format="json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "outbound_address_refused"
    assert response.json()["error"]["details"]["field"] == "webhook_url"


@pytest.mark.django_db(transaction=True)
def test_at_call_time_a_refused_address_fails_the_publication_permanently(
    editor, approved_upload, make_connection, listener, settings, integrations_worker
):
    # given a connection saved while the operator allowed loopback, which the operator then takes back
    site = make_connection("wordpress", f"http://127.0.0.1:{listener.port}", credentials=WP_CREDENTIALS)
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    asset = approved_upload()

    # when an editor publishes through it
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], site["id"]).json()["id"])

    # then it fails at once with the policy's code (not retried), and nothing reached the address
    assert publication["status"] == "failed"
    assert publication["error_code"] == "outbound_address_refused"
    assert [entry["code"] for entry in publication["log"]] == ["outbound_address_refused"]
    _settle()
    assert listener.count == 0


@pytest.mark.django_db(transaction=True)
def test_a_review_webhook_to_a_refused_address_fails_without_a_connection(
    admin_member, editor, make_output, submit, listener, settings, worker
):
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"webhook_url": f"http://127.0.0.1:{listener.port}/hook", "webhook_secret": "s" * 24},
        format="json",
    )
    assert response.status_code == 200, response.content
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    submit(make_output())

    delivery = wait_until(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).first(), timeout=20
    )
    assert delivery.last_error.startswith("outbound_address_refused")
    assert delivery.attempts == 1
    _settle()
    assert listener.count == 0


# --- what the connection test says ---------------------------------------------------------------------
class _Talkative(BaseHTTPRequestHandler):
    """Not a CMS: an internal service that answers with something worth stealing."""

    def do_GET(self) -> None:
        body = b'{"code": "internal-secret-7f3a", "message": "db password is hunter2"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


def test_the_connection_test_neither_echoes_the_remote_nor_tells_open_from_closed_ports(
    admin_member, make_connection
):
    talkative = ThreadingHTTPServer(("127.0.0.1", 0), _Talkative)
    threading.Thread(target=talkative.serve_forever, daemon=True).start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    try:
        open_site = make_connection(
            "wordpress", f"http://127.0.0.1:{talkative.server_port}", credentials=WP_CREDENTIALS, name="open"
        )
        closed_site = make_connection(
            "wordpress", f"http://127.0.0.1:{closed_port}", credentials=WP_CREDENTIALS, name="closed"
        )

        open_answer = admin_member.client.post(f"{CONNECTIONS}/{open_site['id']}/test")
        closed_answer = admin_member.client.post(f"{CONNECTIONS}/{closed_site['id']}/test")
    finally:
        talkative.shutdown()
        talkative.server_close()

    assert (
        open_answer.json()
        == closed_answer.json()
        == {
            "ok": False,
            "result": "unreachable",
            "message": "The service could not be reached, or did not answer as a WordPress service does.",
        }
    )
    for answer in (open_answer, closed_answer):
        assert b"internal-secret" not in answer.content and b"hunter2" not in answer.content
    listed = admin_member.client.get(CONNECTIONS).content
    assert b"internal-secret" not in listed and b"http_404" not in listed


# --- nothing calls out except through the policy ---------------------------------------------------------
OUTBOUND_CALL = re.compile(
    r"httpx\.(Client|AsyncClient|get|post|put|patch|delete|head|options|request|stream)\("
    r"|urllib\.request|urlopen\(|^\s*import requests|^\s*from requests\b|http\.client\.HTTPS?Connection"
    r"|socket\.create_connection\(",
    re.MULTILINE,
)


def test_nothing_in_the_service_calls_out_except_through_the_policy():
    offenders = []
    for package in ("photai_dam", "governance", "inference", "integrations"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "photai_dam" / "outbound.py" or "migrations" in path.parts:
                continue
            for match in OUTBOUND_CALL.finditer(path.read_text()):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == []
