"""A token's claims become a Principal, or the token is refused: never an error the server did not expect."""

from __future__ import annotations

import pytest

from gateways.jwt_tokens import AuthenticationFailed, principal_from


def claims(**overrides):
    return {"sub": "u1", "name": "Kim", "agency": "skola", "roles": ["member"], "exp": 1_900_000_000, **overrides}


@pytest.mark.parametrize("roles", [5, None, [["member"]], [{"r": 1}], {"member": True}])
def test_roles_that_are_not_a_list_of_names_refuse_the_token(roles):
    with pytest.raises(AuthenticationFailed, match="roles"):
        principal_from(claims(roles=roles))


def test_roles_as_a_space_separated_string_are_read():
    assert principal_from(claims(roles="member auditor")).role_names == "auditor,member"


def test_the_principal_carries_the_tokens_expiry():
    assert principal_from(claims()).expires_at == 1_900_000_000.0
    assert principal_from(claims(exp="soon")).expires_at is None


def test_a_provider_that_breaks_off_its_answer_is_unreachable_not_an_error():
    import socket
    import threading

    from gateways.jwt_tokens import ProviderUnreachable, fetch_json

    listener = socket.create_server(("127.0.0.1", 0))

    def answer_half():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"iss")
        conn.close()

    threading.Thread(target=answer_half, daemon=True).start()
    with pytest.raises(ProviderUnreachable):
        fetch_json(f"http://127.0.0.1:{listener.getsockname()[1]}/.well-known/openid-configuration", timeout=5)
    listener.close()
