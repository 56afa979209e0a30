"""A configured URL as it may be printed or logged: without the user and password before its host."""

from __future__ import annotations

import re

# Everything from '//' to the URL's last '@' goes.  RFC 3986 ends the authority at the first '/', '?' or '#', but a
# password may hold any of them unencoded (https://u:pa/s?s@host), and no rule that reads the authority as RFC 3986
# does finds where such a password ends.  The cost is an '@' after the host (https://login.example/jwks?owner=a@b,
# shown as https://b): the line then shows too little, never the secret.
_TO_LAST_AT = re.compile(r"^(?P<scheme>[^:/?#]*:)?//.*@", re.S)


def without_userinfo(url: str) -> str:
    """``https://user:password@host:8000/x`` as ``https://host:8000/x``: a terminal, the journal and a log shipper keep
    what is printed, and development takes a public URL or an issuer with a password in it."""
    found = _TO_LAST_AT.match(url)
    return url if found is None else f"{found['scheme'] or ''}//{url[found.end():]}"
