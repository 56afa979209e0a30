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


@pytest.mark.parametrize("subject", ["19121212-1212", "191212121212", "121212-1212", "SE191212121212",
                                     "20090374-2385",   # a samordningsnummer (day + 60)
                                     # one part of a longer subject (taken until 2026-12-04)
                                     "urn:se:pnr:191212121212", "191212121212@bankid.example", "pnr_19121212-1212",
                                     "user.121212-1212.stockholm", "idp|SE191212121212"])
def test_a_subject_that_is_a_personnummer_refuses_the_token_without_repeating_it(subject):
    """The subject is kept in the access log's plaintext, which outlives every erasure: a provider giving staff
    members' personnummer there must be set to give opaque subjects (secrecy first: personal data in no column)."""
    with pytest.raises(AuthenticationFailed, match="personal identity number") as refused:
        principal_from(claims(sub=subject))
    assert subject not in str(refused.value) and subject[-4:] not in str(refused.value)


@pytest.mark.parametrize("subject", ["１９１２１２１２１２１２", "１９１２１２１２－１２１２", "SE１９１２１２１２１２１２",   # full-width
                                     "urn:se:pnr:１９１２１２１２１２１２",
                                     "١٩١٢١٢١٢١٢١٢", "१९१२१२१२१२१२",   # Arabic-Indic, Devanagari digits
                                     "19121212\u20101212", "121212\u22121212"])   # a hyphen, a minus sign
def test_a_personnummer_in_other_digits_or_dashes_refuses_the_token_as_an_ascii_one(subject):
    """'１９１２１２１２１２１２' was taken into the access log's plaintext: as readable a personnummer as in ASCII."""
    with pytest.raises(AuthenticationFailed, match="personal identity number") as refused:
        principal_from(claims(sub=subject))
    assert subject not in str(refused.value) and subject[-4:] not in str(refused.value)


@pytest.mark.parametrize("subject", ["19121212 1212", "1912 1212 1212", "191212\u00a0121212",
                                     "19121212\u2009-\u20091212",   # thin spaces about the dash
                                     "1912\u00ad12121212",   # a soft hyphen
                                     "191212\u200b121212", "1912\u200d1212\u200c1212", "19121212\u20601212",
                                     "\ufeff191212121212", "19121212\u2028\u20291212",   # a BOM; line separators
                                     "urn:se:pnr:19121212\u200b-1212", "SE\u200b1912\u200b12121212"])
def test_a_personnummer_split_by_spaces_or_format_characters_refuses_the_token_as_a_joined_one(subject):
    """'19121212 1212' and '191212\u200b121212' were taken into the access log's plaintext: the separator hides
    nothing from a reader (a zero-width one shows nothing at all)."""
    with pytest.raises(AuthenticationFailed, match="personal identity number") as refused:
        principal_from(claims(sub=subject))
    assert subject not in str(refused.value) and "1212" not in str(refused.value)


@pytest.mark.parametrize("subject", ["1912-12-12-1212", "12-12-12-1212", "1912-12-12 1212", "urn:pnr:1912-12-12-1212",
                                     "1912.12.12-1212", "121212.1212", "12.12.12+1212", "1912.12.12.1212",
                                     "SE1912-12-12-1212", "1912\u201012\u201012\u20101212",   # hyphens
                                     "1\u03019121212-1212", "19121212-\u03011212",   # a combining acute
                                     "1912\u030112\u20e312\u0327-1212",   # an enclosing keycap, a cedilla
                                     "19121212_1212", "1912/12/12-1212", "12/12/12-1212", "121212/1212",
                                     "pnr_1912_12_12_1212", "users/19121212-1212",
                                     "1912-12.12-1212", "1912/12_12-1212"])   # the date's two separators differ
def test_a_personnummer_with_its_date_dashed_or_dotted_or_marks_between_its_digits_refuses_the_token(subject):
    """'1912-12-12-1212', '121212.1212' and '1\u03019121212-1212' were taken into the access log's plaintext: a
    date written with its dashes or dots, and a mark on a digit, hide the number from no reader."""
    with pytest.raises(AuthenticationFailed, match="personal identity number") as refused:
        principal_from(claims(sub=subject))
    assert subject not in str(refused.value) and "1212" not in str(refused.value)


@pytest.mark.parametrize("subject", ["1912-12-12-1213", "1912.12.12-1213",   # its check digit wrong
                                     "19121212_1213", "1912/12/12-1213", "1912-12.12-1213",
                                     "9f1c2d4e-1912-1012-8123-0a1b2c3d4e5f",   # a time-based UUID's digit groups
                                     "1912-1212-1212", "2026.12.07", "release-2026.12.07-1",
                                     "urn:oid:1.2.752.129.2.1.3.1"])
def test_dashed_or_dotted_digits_that_are_no_personnummer_are_taken(subject):
    """Guard: the date read with dashes or dots is one of YYYY-MM-DD, YY-MM-DD (or with dots), whole."""
    assert principal_from(claims(sub=subject)).subject == subject


@pytest.mark.parametrize("subject", ["1912121212 13", "x\u200b191212121212f", "x 191212121212f",
                                     "kim andersson", "9f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",   # a Keycloak UUID
                                     "AAAAAAAAAAAAAAAAAAAAAF8ZzNs1b2Vjqx4vGN8yZuo",   # an Azure AD pairwise sub
                                     "T2xhIE5vcmRtYW5uLTE5MTIxMg", "191212121213 1", "1912 1212 1213"])
def test_digits_split_by_separators_that_join_to_no_personnummer_are_taken(subject):
    """Only the check joins the digits: the subject is kept as given, and digits that join to a wrong check digit,
    or sit inside a longer run of letters and digits once joined, are no personnummer."""
    assert principal_from(claims(sub=subject)).subject == subject


@pytest.mark.parametrize("subject", ["kim.andersson@skola.example.se", "１９１２１２１２１２１３",   # its check digit wrong
                                     "ｘ１９１２１２１２１２１２"])   # inside a longer run, as "x191212121212"
def test_a_staff_members_email_or_other_digits_that_are_no_personnummer_are_taken(subject):
    """An e-mail identifies a staff member, as the access log must (the lead's decision): it stays taken."""
    assert principal_from(claims(sub=subject)).subject == subject


@pytest.mark.parametrize("subject", ["u1", "19121212-1213", "a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "123456789012",
                                     "SE2321000016-1003",   # an HSA-id: an organisation number, month 21
                                     "a191212121212f", "x191212121212",   # inside a longer run: a hash's digits
                                     "urn:oid:1.2.752.129.2.1.3.1:7a3c"])
def test_an_opaque_subject_or_a_number_that_is_no_personnummer_is_taken(subject):
    assert principal_from(claims(sub=subject)).subject == subject


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
