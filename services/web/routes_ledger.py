"""The auditors' verification of the ledger on the web (Verifiera liggaren): against the installation's own
checkpoints, or a checkpoint file an auditor kept, and that file's download.

Apart from the case's audit pages (``routes_audit``): it reads no case, only the ledger and the access log's
chain, and takes an uploaded file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile   # what Starlette's form holds (FastAPI's is a subclass)

from domain.calendar import STOCKHOLM
from services.audit import InvalidCheckpointFile, checkpoint_file_name, public_key_of, read_exported
from services.ledger import describe_divergence
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
    try:   # keys given as the operator gave them (base64), one a line, as `--trust-key`
        keys = [public_key_of(line) for line in typed.get("nycklar", "").split()]
    except ValueError:
        return _ledger_refused(request, user, texts.T["kept_bad_key"], field="nycklar")
    try:
        if not kept:
            raise InvalidCheckpointFile("no file", why="none")
        exported = read_exported(kept.decode("utf-8"))
        ledger, access = request.app.state.context.verify_ledger(exported, keys)
    except UnicodeDecodeError:
        return _ledger_refused(request, user, texts.T["kept_not_a_file"])
    except InvalidCheckpointFile as bad:
        return _ledger_refused(request, user, _why_not_verified(bad))
    return _ledger_page(request, user, ledger, access, kept_count=len(exported))


def _why_not_verified(bad: InvalidCheckpointFile) -> str:
    number = int(bad.field.split(".")[1]) + 1 if bad.field and bad.field.startswith("checkpoints.") else None
    if bad.why == "none":
        return texts.T["kept_none"]
    if bad.why in ("untrusted", "forged"):
        return texts.T[f"kept_{bad.why}"].format(number=number)
    if number is not None:
        return texts.T["kept_unreadable_checkpoint"].format(number=number, field=bad.field.rsplit(".", 1)[-1]
                                                            if bad.field.count(".") > 1 else "")
    return texts.T["kept_not_a_file"]


def _ledger_refused(request: Request, user: Principal, message: str, field: str = "fil") -> Response:
    """The page with the form's error, the installation's own verification not made again (it walks every event)."""
    return render(request, "ledger.html", 422, user=user, ledger=None, kept_errors={field: message})


def _ledger_page(request: Request, user: Principal, ledger, access, kept_count: int | None = None  # noqa: ANN001
                 ) -> Response:
    """``kept_count``: the checkpoints of an uploaded file, when the verification was made against one."""
    return render(request, "ledger.html", user=user, ledger=ledger, access=access,
                  checkpoints=checkpoints_confirmed(ledger.checkpoints), kept_count=kept_count,
                  ledger_finding=describe_divergence(ledger.divergence) if ledger.divergence else None,
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
    """The signed checkpoints to keep, as `sigill audit export` writes them (not logged, as the export is not)."""
    auditor(request)
    context = request.app.state.context
    day = context.cases.app.clock.now().astimezone(STOCKHOLM).date()
    return Response(context.export_checkpoints(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{checkpoint_file_name(day)}"',
                             "Cache-Control": "no-store"})
