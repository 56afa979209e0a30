"""Sigill's HTTP API (FastAPI): ``create_api`` builds it over the shared services."""
