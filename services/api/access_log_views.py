"""Response shapes of the access log: the reads of a case as the young person's extract lists them, an
auditor's search of the whole log, and whether what an answer lists can be trusted to be all of it.

Apart from the case's facts (``views``, ``audit_views``): these answer who read a case, not what it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class ReadOut(BaseModel):
    """One read of a case's content, as the young person's extract lists it."""

    at: datetime
    case_id: UUID
    subject: str
    reader_name: str
    agency: str
    roles: str
    what: str
    purpose: str


class AccessRecordOut(ReadOut):
    seq: int = Field(description="the record's place in the whole installation's access log (auditors only)")


class AccessLogChecked(BaseModel):
    """Whether the reads an answer lists can be trusted to be all of them, as written: no read of the whole access
    log is missing (none removed), and each listed is linked to the one before it as the log wrote it.  Not the
    whole chain and its signatures: `GET /audit/ledger/verification` checks those."""
    intact: bool
    checked: int = Field(description="the reads listed, each checked against the link before it")
    missing: int = Field(description="reads missing from the whole log (removed; whose they were cannot be told)")
    finding: str | None = Field(description="what was found, in English, without the log's own numbers: "
                                            "`missing`, `altered` (a read listed is not as written) or `gone` (the"
                                            " last reads were removed: a signed checkpoint lies past them)")
    description: str = Field(description="the same in Swedish, as the web client says it with the same answer")


class AccessLogPage(BaseModel):
    records: list[AccessRecordOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null at the end")
    access_log: AccessLogChecked = Field(description="whether `records` are as written and the log lacks none of its"
                                                     " reads (a search that finds nothing is checked too: a read"
                                                     " removed is found by no search); `description` names the log's"
                                                     " numbers, as the web's Åtkomstlogg does")


class Extract(BaseModel):
    case_id: UUID
    generated_at: datetime
    reads: list[ReadOut] = Field(description="oldest first; without the access log's own numbers, which count"
                                             " the reads of every case in the installation")
    access_log: AccessLogChecked = Field(description="whether `reads` can be trusted to be every read of the case,"
                                                     " as written")


def access_log_checked(verdict: Any, *, numbered: bool = False) -> AccessLogChecked:
    """A ``services.access_chain.ShownVerdict``; its description without the log's own numbers, but in an auditor's
    answer (``numbered``), which shows them."""
    from services.access_log_text import access_log_checked as swedish

    return AccessLogChecked(intact=verdict.intact, checked=verdict.shown, missing=verdict.missing,
                            finding=verdict.finding, description=swedish(verdict, numbered=numbered))
