"""The texts every page's frame shows: the product's name, the sign-in page and the navigation.  Part of
``texts.T``, which the templates read."""

from __future__ import annotations


FRAME: dict[str, str] = {
    "app": "Sigill", "tagline": "Samverkan i sociala insatsgrupper",
    "skip": "Hoppa till innehållet", "signed_in_as": "Inloggad som", "sign_out": "Logga ut",
    "sign_in": "Logga in", "sign_in_title": "Logga in i Sigill",
    "sign_in_dev": "Utvecklingsläge: välj en användare. Inloggningen signeras med utvecklingsnyckeln "
                   "i datakatalogen och fungerar inte i produktion.",
    "sign_in_user": "Användare", "sign_in_name": "Ditt namn (visas i åtkomstloggen)",
    "sign_in_oidc": "Logga in med organisationens inloggning",
    "sign_in_oidc_missing": "Produktionsläge: inloggning sker via organisationens identitetsleverantör (OIDC). "
                            "Ange SIGILL_OIDC_ISSUER, SIGILL_OIDC_CLIENT_ID och SIGILL_OIDC_CLIENT_SECRET "
                            "och starta om servern.",
    "signed_out": "Du är utloggad.", "sign_in_again": "Logga in igen", "session_ended_title": "Inloggningen har gått ut", "sign_in_failed": "Inloggningen misslyckades",
    "signed_in_title": "Du är inloggad", "signed_in_continue": "Fortsätt till Sigill",
    "sign_in_or": "Eller, i utvecklingsläge:",
    "nav_cases": "Ärenden", "nav_new": "Ny aktualisering", "nav_audit": "Granskning",
    "nav_access_log": "Åtkomstlogg", "nav_ledger": "Verifiera liggaren", "nav_statistics": "Statistik",
}
