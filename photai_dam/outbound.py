"""The outbound-request policy (invariant I8): every HTTP call this service makes goes through here.

Connectors, the review webhook sender, ``…/connections/{id}/test`` and any future fetch use
:func:`client` (or :func:`request`). Its transport resolves the host itself, refuses the request when ANY
resolved address is loopback, private, CGNAT, link-local, unique-local, multicast, unspecified, reserved,
documentation, benchmarking, broadcast, or an IPv6 form that embeds one of those (IPv4-mapped,
IPv4-compatible, NAT64, 6to4), and then connects to the very address it checked, keeping the URL's host
for the ``Host`` header and TLS (SNI and certificate). A second DNS answer (rebinding) is never asked
for, every redirect hop goes through the same check, and redirects are not followed unless a caller asks.

Every spelling of an address is covered because nothing here parses addresses for connecting: the host
is resolved by the system resolver (``2130706433``, ``0x7f.1``, ``127.1`` and ``0`` all come back as the
address they mean) and the resolved address is what is checked and connected to.

Operators open the policy for on-premise systems with ``PHOTAI_OUTBOUND_ALLOWED_NETWORKS`` (CIDRs);
addresses in those networks are allowed on any port, every other address only on
``PHOTAI_OUTBOUND_ALLOWED_PORTS`` (80 and 443 by default). Only ``http`` and ``https`` are spoken.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

# httpcore's own socket stream: the policy opens the socket itself (to the checked address) and hands it
# over exactly as httpcore's SyncBackend would. httpx (and with it httpcore) is pinned in pyproject.toml.
from httpcore._backends.sync import SyncStream

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CODE = "outbound_address_refused"
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# Checked in order (the first match names the reason); anything else that is not globally routable is
# refused as "reserved" by the catch-all in refusal_reason().
REFUSED_NETWORKS: tuple[tuple[IPNetwork, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "shared_address_space"),  # carrier-grade NAT (RFC 6598)
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link_local"),  # cloud metadata services live here
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "reserved"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("192.88.99.0/24"), "reserved"),  # the deprecated 6to4 relay anycast
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("255.255.255.255/32"), "broadcast"),
    (_V4("240.0.0.0/4"), "reserved"),
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("64:ff9b:1::/48"), "reserved"),  # local-use NAT64
    (_V6("100::/64"), "reserved"),  # discard-only
    (_V6("2001::/32"), "reserved"),  # Teredo (embeds an obfuscated IPv4 address)
    (_V6("2001:2::/48"), "benchmarking"),
    (_V6("2001:10::/28"), "reserved"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("5f00::/16"), "reserved"),
    (_V6("fc00::/7"), "unique_local"),
    (_V6("fe80::/10"), "link_local"),
    (_V6("fec0::/10"), "site_local"),
    (_V6("ff00::/8"), "multicast"),
)
_MAPPED = _V6("::ffff:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_SIX_TO_FOUR = _V6("2002::/16")


class OutboundRefused(Exception):
    """The policy refuses a destination; ``reason`` says why (``loopback``, ``port``, ``scheme``…)."""

    code = CODE

    def __init__(self, reason: str, host: str = "", address: str = "") -> None:
        self.reason = reason
        self.host = host
        self.address = address
        self.message = "The address is refused by the outbound request policy."
        super().__init__(f"{self.message} ({reason}: {host or address})")

    @property
    def details(self) -> dict[str, str]:
        return {"reason": self.reason, "host": self.host}


# --- the policy itself ------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def allowed_networks() -> tuple[IPNetwork, ...]:
    """``PHOTAI_OUTBOUND_ALLOWED_NETWORKS`` parsed; a malformed entry refuses everything (fail closed)."""
    try:
        return _parse_networks(tuple(settings.OUTBOUND_ALLOWED_NETWORKS))
    except ValueError:
        raise OutboundRefused("policy_misconfigured") from None


def allowed_ports() -> frozenset[int]:
    try:
        return frozenset(int(port) for port in settings.OUTBOUND_ALLOWED_PORTS)
    except ValueError:
        raise OutboundRefused("policy_misconfigured") from None


def setting_problems(networks: Iterable[str], ports: Iterable[str]) -> list[str]:
    """Why the settings are unusable (for the system check); empty when they are fine."""
    problems = []
    for value in networks:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            problems.append(f"PHOTAI_OUTBOUND_ALLOWED_NETWORKS: {value!r} is not a CIDR network")
    for value in ports:
        if not str(value).isdigit() or not 0 < int(value) < 65536:
            problems.append(f"PHOTAI_OUTBOUND_ALLOWED_PORTS: {value!r} is not a TCP port")
    return problems


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-compatible, NAT64, 6to4), if any."""
    if int(address) <= 1:
        return None  # :: and ::1 are the unspecified and loopback addresses, not IPv4-compatible ones
    if address in _COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    return None


def _unlisted_reason(address: IPAddress) -> str | None:
    """Why ``address`` is refused when no allow-list applies; None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _unlisted_reason(address.ipv4_mapped)
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            why = _unlisted_reason(embedded)
            if why is not None:
                return why
            if address in _COMPATIBLE:
                return "reserved"  # IPv4-compatible addresses are deprecated: nothing legitimate uses them
    for network, reason in REFUSED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.is_multicast:
        return "multicast"
    if not address.is_global:
        return "reserved"
    return None


def _is_allow_listed(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:a.b.c.d is a.b.c.d on the wire
    return any(address.version == net.version and address in net for net in allowed_networks())


def refusal_reason(address: IPAddress, port: int | None = None) -> str | None:
    """Why the policy refuses ``address`` (and ``port``), or None when a connection may be made."""
    if _is_allow_listed(address):
        return None
    why = _unlisted_reason(address)
    if why is not None:
        return why
    if port is not None and port not in allowed_ports():
        return "port"
    return None


# --- hosts -------------------------------------------------------------------------------------------------
def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form the system resolver accepts (``0x7f.1``, ``2130706433``,
    ``0177.0.0.1``, ``127.1``, ``0``, ``[::ffff:127.0.0.1]``, trailing dots…); None for a name."""
    text = host.strip().strip("[]").rstrip(".").split("%", 1)[0]
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text:
        return None
    try:
        # inet_aton is the libc parser behind getaddrinfo for numeric hosts: octal, hex, short forms.
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _is_localhost_name(host: str) -> bool:
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")  # RFC 6761: always loopback


@dataclass(frozen=True)
class Target:
    """One checked address to connect to (the resolver's family and socket address)."""

    family: int
    sockaddr: tuple[Any, ...]
    address: IPAddress


def vetted_targets(host: str, port: int) -> list[Target]:
    """Resolve ``host`` once and check EVERY address; refused as a whole if any one is refused.

    Raises OutboundRefused, or socket.gaierror when the name does not resolve.
    """
    literal = literal_address(host)
    if literal is None and _is_localhost_name(host):
        literal = ipaddress.IPv4Address("127.0.0.1")
    if literal is not None:
        if isinstance(literal, ipaddress.IPv4Address):
            targets = [Target(socket.AF_INET, (str(literal), port), literal)]
        else:
            targets = [Target(socket.AF_INET6, (str(literal), port, 0, 0), literal)]
    else:
        targets = []
        for family, _, _, _, sockaddr in socket.getaddrinfo(
            host.rstrip("."), port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        ):
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            targets.append(Target(family, tuple(sockaddr), address))
        if not targets:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no IPv4 or IPv6 address")
    for target in targets:
        why = refusal_reason(target.address, port)
        if why is not None:
            raise OutboundRefused(why, host=host, address=str(target.address))
    return targets


def check_url(url: str) -> None:
    """Refuse (OutboundRefused) a URL the policy would refuse at call time, when that can be known now.

    Used when an admin saves a URL (connection ``base_url``, review ``webhook_url``): a scheme other than
    http(s), an address in any spelling, or a name that resolves to a refused address is refused. A name
    that does not resolve (yet) is accepted: the check made at every call is the one that counts.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise OutboundRefused("scheme", host=parts.hostname or "")
    host = parts.hostname or ""
    if not host:
        raise OutboundRefused("invalid_url")
    try:
        vetted_targets(host, port or DEFAULT_PORTS[scheme])
    except (socket.gaierror, UnicodeError):
        return


# --- the transport ---------------------------------------------------------------------------------------
class PolicyNetworkBackend(httpcore.SyncBackend):
    """httpcore's sync backend, connecting only to addresses the policy checked."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            targets = vetted_targets(host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from None
        failure: Exception = httpcore.ConnectError(f"no address of {host} accepted a connection")
        for target in targets:
            sock = socket.socket(target.family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                if local_address is not None:
                    sock.bind((local_address, 0))
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(target.sockaddr)
            except TimeoutError as exc:
                sock.close()
                failure = httpcore.ConnectTimeout(str(exc) or "connect timed out")
            except OSError as exc:
                sock.close()
                failure = httpcore.ConnectError(str(exc))
            else:
                return SyncStream(sock)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise OutboundRefused("unix_socket", host=path)


class OutboundTransport(httpx.HTTPTransport):
    """httpx's transport with the policy's network backend; never a proxy from the environment."""

    def __init__(self, *, verify: bool = True, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=20, max_keepalive_connections=10)
        # Not super().__init__(): it would build a pool on the default backend only to be replaced.
        self._pool = httpcore.ConnectionPool(
            # trust_env here only means SSL_CERT_FILE / SSL_CERT_DIR (an on-premise CA); proxies from the
            # environment are refused by the client (trust_env=False there).
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=True),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PolicyNetworkBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in SCHEMES:
            raise OutboundRefused("scheme", host=request.url.host)
        return super().handle_request(request)


def client(
    *,
    timeout: float | httpx.Timeout,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = False,
    max_redirects: int = 5,
) -> httpx.Client:
    """An httpx client bound to the policy. Redirects stay off unless a caller needs them; each hop of a
    followed redirect is resolved and checked again by the transport."""
    return httpx.Client(
        transport=OutboundTransport(),
        timeout=timeout,
        headers=headers,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,  # an HTTP(S)_PROXY from the environment would carry requests past the policy
    )


def request(method: str, url: str, *, timeout: float, **kwargs: Any) -> httpx.Response:
    """One request through the policy (a fresh client, closed afterwards)."""
    with client(timeout=timeout) as http:
        return http.request(method, url, **kwargs)
