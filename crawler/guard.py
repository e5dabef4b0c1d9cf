"""Never let a crawl be turned against the machine it runs on.

``address_refusal`` is the plain function (tested on its own); ``AddressGuardMiddleware`` is the
thin Scrapy layer. Every request, including each hop of a redirect chain (Scrapy reschedules
redirects through the downloader middlewares), is checked before it is sent: the host's
addresses must all be public unless the host or network is listed in
``crawl.allow_private_addresses``. After the response, the address actually connected to is
checked again, so a DNS answer that changed in between (rebinding) is caught too, unless the
request went through a proxy: then that address is the proxy's, which the user configured
(``crawl.proxy``), and the target was judged by its name before the request left.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Request meta: the proxy a request goes through (set by crawler.proxy.ProxyMiddleware).
PROXY = "policy_archive_proxy"


class BlockedAddress(IgnoreRequest):
    """Raised for a request to an address the crawl may not touch; ``reason`` is recorded."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_allow_list(entries: list[str]) -> tuple[frozenset[str], tuple[Network, ...]]:
    hosts, networks = set(), []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower().rstrip("."))
    return frozenset(hosts), tuple(networks)


def _kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return _kind(ip.ipv4_mapped)
    for attr, label in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                        ("is_unspecified", "unspecified"), ("is_multicast", "multicast"),
                        ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            return label
    return None if ip.is_global else "non-public"


@lru_cache(maxsize=4096)
def resolve(host: str) -> tuple[str, ...]:
    try:
        return tuple({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return ()  # the download itself will report the DNS failure


def address_refusal(host: str, addresses: tuple[str, ...], allowed_hosts: frozenset[str],
                    allowed_networks: tuple[Network, ...]) -> str | None:
    """The reason to refuse connecting to ``host`` at ``addresses``, or None if it is allowed."""
    host = host.lower().rstrip(".")
    if host in allowed_hosts:
        return None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        kind = _kind(ip)
        if kind and not any(ip in net for net in allowed_networks):
            return (f"blocked_address: {host} is {address}, a {kind} address not listed in "
                    f"crawl.allow_private_addresses")
    return None


class AddressGuardMiddleware:
    def __init__(self, allow: list[str]):
        self.allowed_hosts, self.allowed_networks = parse_allow_list(allow)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getlist("POLICY_ARCHIVE_ALLOW_PRIVATE"))

    def _check(self, host: str, addresses: tuple[str, ...]) -> None:
        reason = address_refusal(host, addresses, self.allowed_hosts, self.allowed_networks)
        if reason:
            raise BlockedAddress(reason)

    def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        try:
            addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
        except ValueError:
            addresses = resolve(host)
        self._check(host, addresses)
        return None

    def process_response(self, request, response):
        proxied = request.meta.get(PROXY) or request.meta.get("proxy")  # ours, or one from the environment
        if response.ip_address is not None and not proxied:
            self._check(urlsplit(request.url).hostname or "", (str(response.ip_address),))
        return response
