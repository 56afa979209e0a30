"""Each form as shown carries a random key; a form sent twice is saved once.

A double click on a slow save, a browser that sends the form again, a retry after a dropped answer: the second
copy met the first's new version and came back as a conflict saying "kontrollera och skicka igen" — and sent
again, the meeting (or consent, or case) was recorded twice.  The key is the API's Idempotency-Key under another
name: the answer is committed with the command's events (``services.idempotency``), per sign-in, for a day, and the
copy is answered as the first was — the page that says it was saved.  A key sent with other content (a form
restored by the browser and changed) is not the same request: it runs as one without a key.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import Any, Iterator

from fastapi import Request

from services.idempotency import (ATTRIBUTED_UNSEEN, AnswerAlreadyStored, IdempotencyKeyReused, Pending,
                                  StoredAnswer, answering, replay_of_any, request_fingerprint, signed_in_as,
                                  stored_key)
from services.principals import Principal
from services.web.forms import Typed

FIELD = "form_key"
NOT_CONTENT = frozenset({"csrf", FIELD})   # the CSRF token is not what was asked for


def new_key() -> str:
    return secrets.token_urlsafe(18)


class Sent:
    """One sent form: its key as stored and its content's fingerprint (None: no key, or not a usable one)."""

    def __init__(self, request: Request, user: Principal, typed: Typed) -> None:
        context = request.app.state.context
        given = typed.get(FIELD)
        content = "\n".join(f"{k}={v}" for k in sorted(typed.names()) if k not in NOT_CONTENT
                            for v in typed.getlist(k))
        # Stored under the master key in use; found under the one a rotation replaced too (kept a day after it), as
        # the API's keys are: a form shown before the rotation and sent again after it found nothing and was saved
        # a second time.  Each way is this sign-in's own (its owner hashed under the same secret).
        self.stored_as = [(signed_in_as(secret, user), stored_key(secret, "web-form:" + given),   # per sign-in
                           request_fingerprint(secret, "web", request.url.path, content))
                          for secret in (context.request_key, *context.previous_request_keys)]
        self.store = context.idempotency
        self.owner, key, self.fingerprint = self.stored_as[0]
        self.key: str | None = key if 8 <= len(given) <= 64 else None

    def earlier(self) -> StoredAnswer | None:
        """The answer to this very form sent before (under either master key), or None."""
        if self.key is None:
            return None
        try:
            return replay_of_any(self.store, self.stored_as)
        except IdempotencyKeyReused:   # the same form changed since: a request of its own
            self.key = None
            return None

    @contextmanager
    def saving(self) -> Iterator[None]:
        """The command's events are saved with this form's answer (nothing, without a key)."""
        if self.key is None:
            yield
            return
        with answering(Pending(self.owner, self.key, self.fingerprint, 303)):
            yield


def case_of(answer: StoredAnswer) -> Any:
    return (answer.body or {}).get("case_id")


def attributed_unseen(answer: StoredAnswer) -> int:
    """How many facts the first copy recorded in another agency's name unseen by the writer's (0 in an answer
    stored before it was kept)."""
    return (answer.body or {}).get(ATTRIBUTED_UNSEEN, 0)


__all__ = ["FIELD", "Sent", "AnswerAlreadyStored", "attributed_unseen", "case_of", "new_key"]
