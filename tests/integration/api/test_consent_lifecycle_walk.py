"""The consent lifecycle walked end to end over HTTP (DOMAIN.md, "The disclosure rules"), as social services records
it and as each member agency reads it — the case, the web page, the HTTP feed — with the disclosure log's basis and
cause at each change and the auditors' replay between changes (a red team, h12).

A 16-year-old with two guardians with custody and one without; the school, the police and child psychiatry (BUP) in
the group.  Under 18 a part (agency × category) is disclosed only under the young person's consent AND every
custodial guardian's, each covering it: what is shown is the intersection; the guardians needed are those with custody
at the moment; from the 18th birthday the young person's own consent alone counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.integration.api.flows import REFERRAL, ok, page_text
from tests.integration.api.skew import web_as
from tests.integration.api.test_feed_http import everything

BUP_NOTE = "BUP-anteckning om sömnen"
SCHOOL_NOTE = "Skolans närvaronotering"


class Walk:
    def __init__(self, client, users, tick, app) -> None:
        self.client, self.users, self.tick, self.app = client, users, tick, app
        self.bup = users.headers("bup", "member")
        self.case_id = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)["case_id"]

    def post(self, path: str, body: dict, status: int = 200, headers=None) -> dict:
        self.tick()
        return ok(self.client.post(f"/api/v1/cases/{self.case_id}{path}", json=body,
                                   headers=headers or self.users.social), status)

    def grant(self, consenter: str, scope: dict[str, list[str]], **dates: str) -> str:
        return self.post("/consents", {"consenter": consenter, "purpose": "Samverkan", "form": "written",
                                       "valid_from": "2026-02-02", **dates,
                                       "scope": [{"agency": a, "categories": c} for a, c in scope.items()]},
                         201)["created"]

    def custody(self, guardians: list[tuple[str, str, bool]]) -> None:
        self.post("/guardians", {"guardians": [{"guardian_id": i, "name": n, "has_custody": c}
                                               for i, n, c in guardians]})

    def seen(self, headers) -> set[tuple[str, str]] | None:
        """(kind, category) of what the agency's case read shows, a membership as member.joined/<agency>; None when
        the case is not there for it (404)."""
        response = self.client.get(f"/api/v1/cases/{self.case_id}", headers=headers)
        if response.status_code == 404:
            return None
        return {(f["kind"] + (f"/{f['content']['agency']}" if f["kind"] == "member.joined" else ""), f["category"])
                for f in ok(response)["facts"]}

    def bases(self, headers) -> set[tuple[str, ...]]:
        return {tuple(sorted(f["basis"]["consent_ids"])) for f in ok(self.client.get(
            f"/api/v1/cases/{self.case_id}", headers=headers))["facts"] if f["basis"]["kind"] == "consent"}

    def log(self, agency: str, at_or_after: datetime) -> list[dict]:
        changes = ok(self.client.get(f"/api/v1/audit/cases/{self.case_id}/disclosures", headers=self.users.auditor,
                                     params={"agency": agency}))["changes"]
        return [c for c in changes if datetime.fromisoformat(c["at"]) >= at_or_after]

    def replay(self, agency: str, at: datetime) -> set[tuple[str, str]]:
        facts = ok(self.client.get(f"/api/v1/audit/cases/{self.case_id}/replay", headers=self.users.auditor,
                                   params={"agency": agency, "as_of": at.isoformat()}))["facts"]
        return {(f["kind"], f["category"]) for f in facts}

    def feed(self, agency: str, headers) -> list[dict]:
        return [i["body"] for i in everything(self.client, headers, agency)[0] if i["body"]["case_id"] == self.case_id]

    def keeper(self) -> None:
        self.client.app.state.context.cases.lists.runner.keep_calendar()


def causes(change: dict) -> list[tuple[str, tuple[str, ...]]]:
    return [(c["what"], tuple(sorted(c["consent_ids"]))) for c in change["cause"]]


HEALTH = {("member.joined/bup", "health"), ("contribution", "health")}
HEALTH_REPLAYED = {("member.joined", "health"), ("contribution", "health")}   # the replay names no member


def test_a_consent_lifecycle_under_two_custodial_guardians_to_the_18th_birthday(client, users, tick, app, context,
                                                                                settings):
    w = Walk(client, users, tick, app)
    w.post("/eligibility", {"accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"],
                            "decided_on": "2026-02-02"})
    w.post("/guardians", {"guardians": [{"name": "Maria"}, {"name": "Johan"}, {"name": "Anna", "has_custody": False}]})
    guardians = next(f for f in ok(client.get(f"/api/v1/cases/{w.case_id}", headers=users.social))["facts"]
                     if f["kind"] == "guardians")["content"]["guardians"]
    maria, johan, anna = (g["guardian_id"] for g in guardians)
    for agency in ("skola", "polis", "bup"):
        w.post("/members", {"agency": agency, "contact_person": "Kontakt", "role": "kontaktperson"}, 201)

    # The young person and one guardian: nothing by consent, not even that the case exists.
    wide = {"skola": ["case", "school", "health"], "polis": ["case"], "bup": ["case", "school"]}
    young = w.grant("young_person", wide)
    mother = w.grant(maria, wide)
    assert w.seen(users.school) is None and w.seen(users.police) is None and w.seen(w.bup) is None
    assert ok(client.get("/api/v1/cases", headers=users.school))["cases"] == []
    assert w.feed("skola", users.school) == [] and w.feed("bup", w.bup) == []
    # A guardian without custody cannot consent.
    refused = client.post(f"/api/v1/cases/{w.case_id}/consents", headers=users.social, json={
        "consenter": anna, "purpose": "Samverkan", "form": "written", "valid_from": "2026-02-02",
        "scope": [{"agency": "skola", "categories": ["case"]}]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_custodial_guardian"

    # The second guardian's consent is narrower (no `health` for the school): the intersection is shown.
    father = w.grant(johan, {"skola": ["case", "school"], "polis": ["case"], "bup": ["case", "school"]})
    granted = app.clock.now()
    w.post("/contributions", {"category": "health", "text": BUP_NOTE}, 201, headers=w.bup)
    w.post("/contributions", {"category": "school", "text": SCHOOL_NOTE}, 201, headers=users.school)
    school = w.seen(users.school)
    assert ("case.opened", "case") in school and ("contribution", "school") in school
    assert not school & HEALTH   # neither BUP's note nor that BUP takes part
    assert w.bases(users.school) == {tuple(sorted((young, mother, father)))}
    assert ("contribution", "school") in w.seen(w.bup)   # BUP: `school`, and the school's membership (`case`)
    opened = next(c for c in w.log("skola", granted) if c["fact"]["kind"] == "case.opened")
    assert opened["change"] == "disclosed" and causes(opened) == [("consent_granted", (father,))]
    assert sorted(opened["basis"]["consent_ids"]) == sorted((young, mother, father))
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{w.case_id}").text)
    assert SCHOOL_NOTE in page and BUP_NOTE not in page and "Barn- och ungdomspsykiatrin" not in page

    # Johan loses custody: his consent is no longer needed, so the young person's and Maria's alone decide.
    w.custody([(maria, "Maria", True), (johan, "Johan", False), (anna, "Anna", False)])
    lost = app.clock.now()
    assert HEALTH <= w.seen(users.school)
    assert w.bases(users.school) == {tuple(sorted((young, mother)))}
    changes = w.log("skola", lost)
    assert {(c["change"], c["fact"]["kind"], c["fact"]["category"]) for c in changes if c["change"] == "disclosed"} \
        == {("disclosed", "member.joined", "health"), ("disclosed", "contribution", "health")}
    assert {tuple(causes(c)) for c in changes} == {(("guardians_recorded", ()),)}
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{w.case_id}").text)
    assert BUP_NOTE in page and "Barn- och ungdomspsykiatrin" in page
    # ... and regains it: his consent counts again, and `health` ends for the school.
    w.custody([(maria, "Maria", True), (johan, "Johan", True), (anna, "Anna", False)])
    regained = app.clock.now()
    assert not w.seen(users.school) & HEALTH
    ended = [c for c in w.log("skola", regained) if c["change"] == "ended"]
    assert {(c["fact"]["kind"], c["fact"]["category"]) for c in ended} == {("member.joined", "health"),
                                                                           ("contribution", "health")}
    assert all(causes(c) == [("guardians_recorded", ())] for c in ended)
    # The auditors' replay between the two custody records: what the school saw then.
    assert HEALTH_REPLAYED <= w.replay("skola", lost + timedelta(seconds=30))
    assert not HEALTH_REPLAYED & w.replay("skola", lost - timedelta(seconds=30))
    assert not HEALTH_REPLAYED & w.replay("skola", regained)

    # A consent that begins later and ends at a day's end: the police may see the (police) referral from 10 to 12 Feb.
    crime = [w.grant(who, {"polis": ["crime"]}, valid_from="2026-02-10", valid_until="2026-02-12")
             for who in ("young_person", maria, johan)]
    assert ("referral", "crime") not in w.seen(users.police)
    app.clock.set(datetime(2026, 2, 9, 22, 59, 59, tzinfo=timezone.utc))   # 23:59:59 in Stockholm
    assert ("referral", "crime") not in w.seen(users.police)
    app.clock.set(datetime(2026, 2, 9, 23, 0, 1, tzinfo=timezone.utc))     # 10 Feb 00:00:01
    assert ("referral", "crime") in w.seen(users.police)   # read before the keeper records the moment too
    w.keeper()
    starts = [c for c in w.log("polis", datetime(2026, 2, 9, 23, tzinfo=timezone.utc))
              if c["fact"]["kind"] == "referral"]
    assert [(c["at"], c["change"], causes(c)) for c in starts] == [
        ("2026-02-09T23:00:00Z", "disclosed", [("consent_starts", tuple(sorted(crime)))])]
    assert sorted(starts[0]["basis"]["consent_ids"]) == sorted(crime)
    shown = [m for m in w.feed("polis", users.police) if m["category"] == "crime"]
    assert [(m["change"], m["at"]) for m in shown] == [("disclosed", "2026-02-09T23:00:00+00:00")]
    app.clock.set(datetime(2026, 2, 12, 22, 59, 59, tzinfo=timezone.utc))  # the last second of 12 Feb
    assert ("referral", "crime") in w.seen(users.police)
    app.clock.set(datetime(2026, 2, 12, 23, 0, 1, tzinfo=timezone.utc))   # midnight has passed
    assert ("referral", "crime") not in w.seen(users.police)
    w.keeper()
    ends = [c for c in w.log("polis", datetime(2026, 2, 12, 23, tzinfo=timezone.utc))
            if c["fact"]["kind"] == "referral"]
    assert [(c["at"], c["change"], causes(c)) for c in ends] == [
        ("2026-02-12T23:00:00Z", "ended", [("consent_ends", tuple(sorted(crime)))])]
    assert w.replay("polis", datetime(2026, 2, 11, 12, tzinfo=timezone.utc)) >= {("referral", "crime")}
    assert ("referral", "crime") not in w.replay("polis", datetime(2026, 2, 13, 12, tzinfo=timezone.utc))

    # Maria narrows the school's part to `case`: the police's note on school (the police's membership is `case`) ends
    # for the school, under that narrowing; the police, whose part did not change, is not told of it.
    w.post("/contributions", {"category": "school", "text": "Polisen om skolket"}, 201, headers=users.police)
    assert sum(f["kind"] == "contribution" for f in ok(client.get(
        f"/api/v1/cases/{w.case_id}", headers=users.school))["facts"]) == 2   # its own and the police's
    w.post(f"/consents/{mother}/narrowings", {"consenter": maria, "scope": [
        {"agency": "skola", "categories": ["case"]}, {"agency": "polis", "categories": ["case"]},
        {"agency": "bup", "categories": ["case", "school"]}]})
    narrowed = app.clock.now()
    assert ("consent.narrowed", "case") in w.seen(users.school)
    assert ("consent.narrowed", "case") not in w.seen(users.police)
    assert sum(f["kind"] == "contribution" for f in ok(client.get(
        f"/api/v1/cases/{w.case_id}", headers=users.school))["facts"]) == 1   # its own alone
    told = w.log("skola", narrowed)
    assert sorted((c["change"], c["fact"]["kind"], c["fact"]["category"]) for c in told) == [
        ("disclosed", "consent.narrowed", "case"), ("ended", "contribution", "school")]
    assert [causes(c) for c in told if c["change"] == "ended"] == [[("consent_narrowed", (mother,))]]
    assert [m["change"] for m in w.feed("skola", users.school) if m["at"] == told[0]["at"].replace("Z", "+00:00")
            and m["category"] in ("school", None)] == ["ended"]

    # The school leaves and rejoins: while away it is not in the case; back, it sees again what consent covers.
    w.post("/members/skola/departure", {"reason": "Eleven har bytt skola."})
    left = app.clock.now()
    assert w.seen(users.school) is None
    away = w.log("skola", left)
    assert away and all(c["change"] == "ended" and causes(c) == [("member_left", ())] for c in away)
    assert "contribution" not in {c["fact"]["kind"] for c in away}   # its own note stays its own
    assert {m["content"]["text"] for m in w.feed("skola", users.school)
            if m["kind"] == "contribution" and m["content"]} == {SCHOOL_NOTE}   # the feed keeps its own
    w.post("/members", {"agency": "skola", "contact_person": "Kontakt", "role": "kontaktperson"}, 201)
    rejoined = app.clock.now()
    back = w.seen(users.school)
    assert ("member.left", "case") in back and not back & HEALTH
    assert all(causes(c) in ([("member_joined", ())], [("recorded", ())]) for c in w.log("skola", rejoined))

    # Johan withdraws: nothing more under consent, to anyone; each keeps its own.
    w.post(f"/consents/{father}/withdrawal", {"consenter": johan})
    withdrawn = app.clock.now()
    assert w.seen(users.school) == w.seen(users.police) == {("contribution", "school")}
    assert w.seen(w.bup) == {("contribution", "health")}
    gone = w.log("skola", withdrawn)
    assert gone and all(c["change"] == "ended" and causes(c) == [("consent_withdrawn", (father,))] for c in gone)
    # The young person withdraws too, and consents again alone: still nothing while under 18.
    w.post(f"/consents/{young}/withdrawal", {"consenter": "young_person"})
    assert w.log("skola", app.clock.now()) == []
    again = w.grant("young_person", {"skola": ["case", "school", "health"]})
    assert w.seen(users.school) == {("contribution", "school")}

    # The 18th birthday (14 March 2027): the young person's own consent alone counts; guardians' no longer do.
    app.clock.set(datetime(2027, 3, 13, 22, 59, 59, tzinfo=timezone.utc))
    assert w.seen(users.school) == {("contribution", "school")}
    app.clock.set(datetime(2027, 3, 13, 23, 0, 1, tzinfo=timezone.utc))
    adult = w.seen(users.school)
    assert HEALTH <= adult and ("case.opened", "case") in adult
    assert w.bases(users.school) == {(again,)}    # Maria's consent (still in force) is not in any basis
    w.keeper()
    birthday = w.log("skola", datetime(2027, 3, 13, 23, tzinfo=timezone.utc))
    assert birthday and all(c["at"] == "2027-03-13T23:00:00Z" and c["change"] == "disclosed"
                            and causes(c) == [("turns_18", ())] and c["basis"]["consent_ids"] == [again]
                            for c in birthday)
    # The police's part was in the withdrawn consent: its own note alone.
    assert w.seen(users.police) == {("contribution", "school")}
    # A guardian can no longer consent, nor does one's consent given before stand in for the young person's.
    late = client.post(f"/api/v1/cases/{w.case_id}/consents", headers=users.social, json={
        "consenter": maria, "purpose": "Samverkan", "form": "written", "valid_from": "2027-03-14",
        "scope": [{"agency": "polis", "categories": ["case"]}]})
    assert late.status_code == 422
