"""A configured URL as it may be printed or logged: without the user and password before its host."""

from __future__ import annotations

import re

# The authority runs from '//' to the last '@' before a query or fragment: RFC 3986 ends it at the first '/', but a
# password with an unencoded '/' (https://u:pa/ss@host) would then leave its tail in the path — a path holding an
# '@' is rarer than such a password, and cut too far the line shows too little, never the secret.
_USERINFO = re.compile(r"^(?P<scheme>[^:/?#]*:)?//[^?#]*@")
# A password with an unencoded '?' or '#' (http://u:pa?ss@host) ends RFC 3986's authority there too, so the rule
# above finds no '@' before it: unless the authority is a host and port alone with a path after it (an '@' further
# on is then the path's or the query's: https://login.example/jwks?owner=a@b), the URL is cut at its last '@'.
_HOST_THEN_PATH = re.compile(r"^(?:[^:/?#]*:)?//(?:\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9._~%-]*)(?::[0-9]*)?/")
_TO_LAST_AT = re.compile(r"^(?P<scheme>[^:/?#]*:)?//.*@", re.S)


def without_userinfo(url: str) -> str:
    """``https://user:password@host:8000/x`` as ``https://host:8000/x``: a terminal, the journal and a log shipper keep
    what is printed, and development takes a public URL or an issuer with a password in it."""
    found = _USERINFO.match(url) or (None if _HOST_THEN_PATH.match(url) else _TO_LAST_AT.match(url))
    return url if found is None else f"{found['scheme'] or ''}//{url[found.end():]}"
