"""`sigill audit deliveries`: what of a case each agency's Kafka topic received, and when — the record the publisher
writes once the broker has acknowledged a message (``feed_deliveries``), ids and positions only.

Beside `audit access-log`, not in it: the access log is people's reads, hash-chained and checked whole on every
search; a delivery is a system's, recorded by the publisher in a table of its own (append-only, not chained)."""

from __future__ import annotations

import argparse

from services.cli_audit import as_reader
from services.cli_context import AGENCY_HELP, CASE_HELP, known_agency, purpose_help
from services.wording import agency_name, to_the_second


def register(commands: argparse._SubParsersAction) -> None:
    deliveries = commands.add_parser("deliveries", help="what of a case each agency's Kafka topic received, as the"
                                     " broker acknowledged it: message ids, topic, partition, offset, when")
    deliveries.add_argument("--case", required=True, help=CASE_HELP)
    deliveries.add_argument("--agency", help=f"one agency's topic only: {AGENCY_HELP}")
    deliveries.add_argument("--purpose", default="", help=purpose_help("why you read the case's deliveries"))
    deliveries.set_defaults(handler=_deliveries)


def _deliveries(args: argparse.Namespace) -> int:
    with as_reader() as (service, reader, _, _ids):
        app = service.app
        case_id = app.case_id_of(args.case)
        agency = known_agency(app.catalogue, args.agency) if args.agency is not None else None
        rows = service.audit_deliveries(reader, case_id, agency, args.purpose)
        catalogue = app.catalogue
    if not rows:
        print("Inga Kafka-leveranser" + (f" till {agency_name(agency, catalogue)}" if agency else "") + " på"
              " ärendet. (Utan SIGILL_KAFKA_BOOTSTRAP_SERVERS publiceras inget; HTTP-flödets läsningar står i"
              " `sigill audit access-log`.)")
    for row in rows:
        print(delivery_line(row, catalogue))
    return 0


def delivery_line(row: dict, catalogue) -> str:  # noqa: ANN001 - the agency catalogue
    """One acknowledged message: when the broker's acknowledgement came, to whom, where on which topic, and which
    message (its feed and number in the numbering ``epoch``, its event id and the fact's public id)."""
    return (f"{to_the_second(row['acknowledged_at'])}  {agency_name(row['agency'], catalogue):<35} "
            f"{row['topic']} partition {row['kafka_partition']} offset {row['kafka_offset']}  "
            f"flöde {row['feed']} nr {row['seq']} (numrering {row['epoch']})  uppgift {row['fact_id']}  "
            f"event_id {row['event_id']}")
