"""Response shapes of the access log: the reads of a case as the young person's extract lists them, an
auditor's search of the whole log, and whether what an answer lists can be trusted to be all of it.

Apart from the case's facts (``views``, ``audit_views``): these answer who read a case, not what it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


# A guardian's extract while the young person has skyddade personuppgifter recorded (services.guardian_extract).
LEFT_OUT_TEXT = ("null in an extract that leaves the readers and purposes out: a guardian's, while the young person"
                 " has skyddade personuppgifter recorded (its `what` then says `case` for a read of the protection)")
LEFT_OUT = ("subject", "reader_name", "roles", "purpose")   # each null then


class ReadOut(BaseModel):
    """One read of a case's content, as the young person's extract lists it."""

    at: datetime
    case_id: UUID
    subject: str | None = Field(description=f"the reader's id; {LEFT_OUT_TEXT}")
    reader_name: str | None = Field(description=f"the reader's name (a system's, for an agency's system);"
                                                f" {LEFT_OUT_TEXT}")
    agency: str
    roles: str | None = Field(description=f"the reader's roles; {LEFT_OUT_TEXT}")
    what: str
    purpose: str | None = Field(description=f"the purpose stated for the read; {LEFT_OUT_TEXT}")


class AccessRecordOut(ReadOut):
    seq: int = Field(description="the record's place in the whole installation's access log (auditors only)")


class ReadsChecked(BaseModel):
    """Whether the reads an answer lists can be trusted to be all of them, as written: no read of the whole access
    log is missing (none removed), and each listed is linked to the one before it as the log wrote it.  Not the
    whole chain and its signatures: `GET /audit/ledger/verification` checks those."""
    intact: bool
    checked: int = Field(description="the reads listed, each checked against the link before it")
    finding: str | None = Field(description="what was found, in English, without the log's own numbers: "
                                            "`missing` (reads were removed from the log; whose they were cannot be"
                                            " told), `altered` (a read listed is not as written) or `gone` (the"
                                            " last reads were removed: a signed checkpoint lies past them)")
    description: str = Field(description="the same in Swedish, as the web client says it with the same answer")


class AccessLogChecked(ReadsChecked):
    """An auditor's answer adds how many reads the whole log is missing: the young person's extract does not, the
    count being the whole installation's — every case's reads, told to social services of one."""
    missing: int = Field(description="reads missing from the whole log (removed; whose they were cannot be told)")


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
    access_log: ReadsChecked = Field(description="whether `reads` can be trusted to be every read of the case, as"
                                                 " written; no count of the reads removed, which is the whole"
                                                 " installation's (`finding` `missing` says some were)")


def access_log_checked(verdict: Any, *, numbered: bool = True) -> AccessLogChecked:
    """A ``services.access_chain.ShownVerdict`` as an auditor's answer tells it: with the count of reads missing
    from the whole log, and (``numbered``) the log's own numbers in its description."""
    return AccessLogChecked(missing=verdict.missing, **_checked(verdict, numbered).model_dump())


def extract_checked(verdict: Any) -> ReadsChecked:
    """The same for the young person's extract: neither the log's numbers nor its count of reads removed."""
    return _checked(verdict, numbered=False)


def _checked(verdict: Any, numbered: bool) -> ReadsChecked:
    from services.access_log_text import access_log_checked as swedish

    return ReadsChecked(intact=verdict.intact, checked=verdict.shown, finding=verdict.finding,
                        description=swedish(verdict, numbered=numbered))
