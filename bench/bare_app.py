"""The baseline of bench/http.py: a bare FastAPI JSON endpoint, served the same way as Sigill."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping() -> dict:
    return {"status": "ok"}
