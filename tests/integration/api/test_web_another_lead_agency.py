"""An installation whose lead agency has another id than the shipped catalogue's ``socialtjanst`` (its
SIGILL_CATALOGUE file makes ``ifo`` the lead): the web client's new referral, its link and the statistics and
culling links follow the catalogue's lead agency, as the service's own checks do, not the agency id."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from gateways.jwt_tokens import DevTokens
from services.api.app import create_api
from services.settings import Settings
from services.web.app import mount_web
from services.web.session import TOKEN_COOKIE

ANOTHER_LEAD = ('[[agencies]]\nid = "socialtjanst"\nname = "Socialtjänsten"\nmembership_category = "case"\n'
                'lead = false\n\n'
                '[[agencies]]\nid = "ifo"\nname = "Individ- och familjeomsorgen"\nmembership_category = "case"\n'
                'lead = true\n')


@pytest.fixture
def settings(tmp_path, master_key) -> Settings:
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(ANOTHER_LEAD, "utf-8")
    return Settings(data_dir=tmp_path, master_key=master_key, catalogue=catalogue)


@pytest.fixture
def web(context, settings) -> Iterator[TestClient]:
    api = create_api(context)
    mount_web(api, context, settings)
    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


def as_caseworker(web: TestClient, settings: Settings, agency: str) -> TestClient:
    token = DevTokens(settings.data_dir).issue(subject=f"{agency}-caseworker", name="Namn Handläggare",
                                               agency=agency, roles=["caseworker"], municipality="0180")
    web.cookies.set(TOKEN_COOKIE, token)
    return web


def test_the_lead_agency_of_another_id_opens_cases_and_is_offered_the_links(web, settings):
    user = as_caseworker(web, settings, "ifo")
    cases = user.get("/arenden")
    assert cases.status_code == 200
    for link in ('href="/arenden/nytt"', 'href="/statistik"', 'href="/gallring"'):
        assert link in cases.text
    assert user.get("/arenden/nytt").status_code == 200


def test_a_caseworker_of_socialtjanst_when_it_does_not_lead_opens_no_case_and_is_offered_no_link(web, settings):
    user = as_caseworker(web, settings, "socialtjanst")
    cases = user.get("/arenden")
    for link in ('href="/arenden/nytt"', 'href="/statistik"', 'href="/gallring"'):
        assert link not in cases.text
    assert user.get("/arenden/nytt").status_code == 403
