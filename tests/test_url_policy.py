"""The URL policy: the host the policy judges is the host the request goes to, or the URL is refused."""

from __future__ import annotations

import pytest

from app.backand import BackandClient, BearerCredentials
from app.backand.urlpolicy import normalise_base_url
from app.errors import UsageError
from app.profile import Profile

TRICKS = {
    "backslash": ("http://evil.example\\@127.0.0.1:8099", "backslash"),
    "userinfo": ("http://user:secret@127.0.0.1:8099", "user name or password"),
    "decimal IPv4": ("http://2130706433:8099", "four decimal numbers"),
    "octal IPv4": ("http://0177.0.0.1:8099", "four decimal numbers"),
    "hex IPv4": ("http://0x7f.0.0.1:8099", "four decimal numbers"),
    "short IPv4": ("http://127.1:8099", "four decimal numbers"),
    "IPv6 zone id": ("http://[fe80::1%25eth0]:8099", "not a plain host"),
    "trailing dot": ("http://127.0.0.1.:8099", "not a plain host"),
    "unicode dots": ("http://127\u30020\u30020\u30021:8099", "non-ASCII"),
    "fullwidth host": ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:8099", "non-ASCII"),
    "space": ("http://127.0.0.1 :8099", "space"),
    "plain http elsewhere": ("http://example.com", "not loopback"),
    # these were an "unexpected error" (urllib3's LocationParseError, urllib's ValueError), in
    # profile add and in every command once in profiles.json; a query or fragment was saved
    "port out of range": ("http://127.0.0.1:99999", "cannot be read as a URL"),
    "unclosed IPv6 bracket": ("http://[::1", "cannot be read as a URL"),
    "port 0": ("http://127.0.0.1:0", "port 0"),
    "query": ("http://127.0.0.1:8099/?x=1", "query or a fragment"),
    "fragment": ("http://127.0.0.1:8099#frag", "query or a fragment"),
    "empty query": ("http://127.0.0.1:8099?", "query or a fragment"),
}


@pytest.mark.parametrize("name", list(TRICKS))
def test_each_trick_is_refused_with_a_message_that_names_it(name):
    url, fragment = TRICKS[name]
    with pytest.raises(UsageError, match=fragment):
        normalise_base_url(url)
    with pytest.raises(UsageError):  # a profile cannot hold it either
        Profile(name="qa", base_url=url, app="shop-qa", auth="token").validate()
    with pytest.raises(UsageError):  # nor can a client be made with it
        BackandClient(url, "shop-qa", BearerCredentials("t0ken-value"))


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8099", "http://localhost:8099/", "http://[::1]:8099", "https://api.backand.com/v1"],
)
def test_plain_urls_pass(url):
    assert normalise_base_url(url) == url.rstrip("/")
