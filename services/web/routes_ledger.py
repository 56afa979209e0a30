"""The auditors' verification of the ledger on the web (Verifiera liggaren): against the installation's own
checkpoints, or a checkpoint file an auditor kept, and that file's download.

Apart from the case's audit pages (``routes_audit``): it reads no case, only the ledger and the access log's
chain, and takes an uploaded file.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile   # what Starlette's form holds (FastAPI's is a subclass)

from domain.calendar import STOCKHOLM
from services.audit import (InvalidCheckpointFile, checkpoint_file_name, public_key_of, read_exported,
                            read_exported_access_log)
from services.audit_text import WEB_TRUST, told_to
from services.ledger_texts import describe_divergence
from services.principals import Principal
from services.web import session, texts
from services.web.audit_pages import auditor
from services.web.case_pages import service
from services.web.forms import FIELDS, Typed
from services.web.error_pages import guarded
from services.web.pages import form_of, render
from services.wording import checkpoints_confirmed

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]


@router.get("/granskning/liggaren")
@guarded
def verify_ledger(request: Request) -> Response:
    user = auditor(request)
    return _ledger_page(request, user, *request.app.state.context.verify_ledger())


KEPT_LIMIT = 64 * 1024 * 1024   # some 200,000 checkpoints: years of seals; more is no file Sigill wrote
# The trusted keys' box: 44 characters a key, so over 100 keys — more than an installation's rotations give.  Kept
# to be mended when the form is refused, and said back in full: what is longer is refused, never cut (cut, a key
# was halved and the ones after it gone, with nothing said).
KEYS_LIMIT = 5000


async def _kept_file(request: Request) -> bytes | None:
    """The uploaded checkpoint file's bytes (the form is parsed once: ``form_of``'s, cached by Starlette)."""
    upload = (await request.form(max_fields=FIELDS)).get("fil")
    if not isinstance(upload, UploadFile):
        return None
    return await upload.read(KEPT_LIMIT)


@router.post("/granskning/liggaren")
@guarded
def verify_ledger_against(request: Request, typed: Form,
                          kept: Annotated[bytes | None, Depends(_kept_file)]) -> Response:
    """The verification against a checkpoint file an auditor kept (as `sigill audit verify --checkpoints`)."""
    user = auditor(request)
    session.check_csrf(request, typed)
    if len(typed.get("nycklar", "")) > KEYS_LIMIT:
        return _ledger_refused(request, user, texts.T["kept_keys_too_long"], typed, field="nycklar")
    try:   # keys given as the operator gave them (base64), one a line, as `--trust-key`
        keys = [public_key_of(line) for line in typed.get("nycklar", "").split()]
    except ValueError:
        return _ledger_refused(request, user, texts.T["kept_bad_key"], typed, field="nycklar")
    try:
        if not kept:
            raise InvalidCheckpointFile("no file", why="none")
        text = kept.decode("utf-8")
        exported = read_exported(text)   # the ledger's part, then the access log's, as `sigill audit verify` reads
        ledger, access = request.app.state.context.verify_ledger(exported, keys, read_exported_access_log(text))
    except UnicodeDecodeError:
        return _ledger_refused(request, user, texts.T["kept_not_a_file"], typed)
    except InvalidCheckpointFile as bad:
        return _ledger_refused(request, user, _why_not_verified(bad), typed)
    return _ledger_page(request, user, ledger, access, kept_count=len(exported))


def _why_not_verified(bad: InvalidCheckpointFile) -> str:
    """In Swedish, naming the checkpoint at fault as the API's field does: the ledger's (``checkpoints.N``) or the
    access log's (``access_log.N``)."""
    part, number = _checkpoint_at_fault(bad.field)
    if bad.why == "none":
        return texts.T["kept_none"]
    if bad.why in ("untrusted", "forged"):
        return texts.T[f"kept{part}_{bad.why}"].format(number=number)
    if number is not None:
        return texts.T[f"kept{part}_unreadable_checkpoint"].format(
            number=number, field=bad.field.rsplit(".", 1)[-1] if bad.field.count(".") > 1 else "")
    return texts.T["kept_access_not_a_list" if bad.field == "access_log" else "kept_not_a_file"]


def _checkpoint_at_fault(field: str | None) -> tuple[str, int | None]:
    """Which part of the file (the texts' infix: "" the ledger's, "_access" the access log's) and which of its
    checkpoints, counted from 1, a refused file's field names (None: no one checkpoint)."""
    for prefix, part in (("checkpoints.", ""), ("access_log.", "_access")):
        if field and field.startswith(prefix):
            return part, int(field.split(".")[1]) + 1
    return "", None


def _ledger_refused(request: Request, user: Principal, message: str, typed: Typed, field: str = "fil") -> Response:
    """The page with the form's error, the installation's own verification not made again (it walks every event);
    the keys typed kept, to be mended rather than pasted again (a file input cannot be given its file back) —
    unless they are over ``KEYS_LIMIT``, refused for that and not said back."""
    keys = typed.get("nycklar", "")
    return render(request, "ledger.html", 422, user=user, ledger=None, kept_errors={field: message},
                  errors={field: message}, kept_keys=_kept_keys(keys) if len(keys) <= KEYS_LIMIT else "")


# What a key could be: one as `--trust-key` takes it (``public_key_of``: standard base64 of 32 bytes, 43 characters
# and `=`), whatever its digits; or a piece of one mistyped or cut short — of base64's alphabet, with a digit, `+`,
# `/` or `=` in it, as no name has (a name's words, hyphenated or not, are letters), and no six digits together,
# a personnummer's, not a fragment's.
KEY_SHAPED = re.compile(r"[A-Za-z0-9+/]{43}=|(?!.*\d{6})(?=.*[0-9+/=])[A-Za-z0-9+/=]{16,100}")


def _kept_keys(typed: str) -> str:
    """The keys typed, one a line, to be mended: only those shaped like a key — a personnummer or a name pasted
    into the box by mistake is not shown again."""
    return "\n".join(line for line in typed.split() if KEY_SHAPED.fullmatch(line))


def _ledger_page(request: Request, user: Principal, ledger, access, kept_count: int | None = None  # noqa: ANN001
                 ) -> Response:
    """``kept_count``: the checkpoints of an uploaded file, when the verification was made against one."""
    finding = ledger.divergence and told_to(describe_divergence(ledger.divergence), WEB_TRUST)
    return render(request, "ledger.html", user=user, ledger=ledger, access=access,
                  checkpoints=checkpoints_confirmed(ledger.checkpoints), kept_count=kept_count,
                  ledger_finding=finding or None,
                  diverging=_diverging_case(request, user, ledger.divergence), kept_errors={})


def _diverging_case(request: Request, user: Principal, divergence) -> dict | None:  # noqa: ANN001 - a Divergence
    """The diverging case's number beside its id, as `sigill audit verify` says it (``cli_ledger._name_the_case``): the
    id alone sent the auditor elsewhere to learn which case it is, and the number is what they file under.  From the
    case lists (its referral, which holds it, may be the very event altered); a label, not a read of the case.  None
    when the finding names no case (a checkpoint, a case-number series' event); ``number`` None when no list holds
    the case (erased, or the views behind) — said only of a case's event, a removed event's aggregate not known."""
    if divergence is None or divergence.case_id is None or divergence.aggregate == "case_number_series":
        return None
    number = service(request).case_numbers(user, [divergence.case_id]).get(str(divergence.case_id))
    if number is None and divergence.aggregate != "case":
        return None
    return {"case_id": divergence.case_id, "number": number}


@router.get("/granskning/liggaren/kontrollpunkter")
@guarded
def export_checkpoints(request: Request) -> Response:
    """The signed checkpoints to keep — the ledger's and the access log's last — as `sigill audit export` writes
    them (not logged, as the export is not)."""
    auditor(request)
    context = request.app.state.context
    day = context.cases.app.clock.now().astimezone(STOCKHOLM).date()
    return Response(context.export_checkpoints(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{checkpoint_file_name(day)}"',
                             "Cache-Control": "no-store"})
