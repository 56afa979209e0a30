"""A configured URL as it may be printed or logged: without the user and password before its host."""

from __future__ import annotations

import re

# The authority runs from '//' to the last '@' before a query or fragment: RFC 3986 ends it at the first '/', but a
# password with an unencoded '/' (https://u:pa/ss@host) would then leave its tail in the path — a path holding an
# '@' is rarer than such a password, and cut too far the line shows too little, never the secret.
_USERINFO = re.compile(r"^(?P<scheme>[^:/?#]*:)?//[^?#]*@")


def without_userinfo(url: str) -> str:
    """``https://user:password@host:8000/x`` as ``https://host:8000/x``: a terminal, the journal and a log shipper keep
    what is printed, and development takes a public URL or an issuer with a password in it."""
    found = _USERINFO.match(url)
    return url if found is None else f"{found['scheme'] or ''}//{url[found.end():]}"
