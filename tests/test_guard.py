import ipaddress

import pytest
from scrapy import Request
from scrapy.http import Response

from crawler.guard import PROXY, AddressGuardMiddleware, BlockedAddress, address_refusal, parse_allow_list

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)


def refusal(host, addresses, allow=()):
    hosts, nets = parse_allow_list(list(allow))
    return address_refusal(host, tuple(addresses), hosts, nets)


@pytest.mark.parametrize("address,kind", [
    ("127.0.0.1", "loopback"), ("127.0.0.99", "loopback"), ("10.1.2.3", "private"),
    ("192.168.0.10", "private"), ("172.20.0.1", "private"), ("169.254.169.254", "link-local"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("::ffff:127.0.0.1", "loopback"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-public"),
])
def test_private_addresses_are_refused(address, kind):
    reason = refusal("intranet.example", [address])
    assert reason and reason.startswith("blocked_address:") and kind in reason


def test_public_addresses_pass():
    assert refusal("halykbank.kz", ["195.93.152.10", "2a00:1450:4001::1"]) is None


def test_one_private_address_among_public_ones_is_refused():
    assert refusal("mixed.example", ["8.8.8.8", "10.0.0.1"])


def test_allow_list_networks_and_hosts():
    assert refusal("127.0.0.2", ["127.0.0.2"], ["127.0.0.0/29"]) is None
    assert refusal("127.0.0.99", ["127.0.0.99"], ["127.0.0.0/29"])
    assert refusal("demo.local", ["10.0.0.5"], ["demo.local"]) is None
    assert refusal("other.local", ["10.0.0.5"], ["demo.local"])


def test_a_proxied_response_comes_from_the_proxy_whose_address_the_user_chose():
    guard = AddressGuardMiddleware(["127.0.0.2/32"])
    proxy = {PROXY: "http://127.0.0.50:3128"}
    request = Request("http://127.0.0.2:8000/privacy", meta=proxy)
    response = Response(request.url, ip_address=ipaddress.ip_address("127.0.0.50"), request=request)
    assert guard.process_response(request, response) is response
    direct = Request("http://127.0.0.2:8000/privacy")
    with pytest.raises(BlockedAddress, match="127.0.0.50"):  # without a proxy the same answer is a rebinding
        guard.process_response(direct, response.replace(request=direct))
    # The target is still judged by its name before the request leaves.
    assert guard.process_request(Request("http://127.0.0.2:8000/", meta=proxy)) is None
    with pytest.raises(BlockedAddress, match="127.0.0.99"):
        guard.process_request(Request("http://127.0.0.99/", meta=proxy))
