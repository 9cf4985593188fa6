"""Write the API's OpenAPI document as stable JSON (sorted keys), for the generated TypeScript client.

Builds the app as `todo-api serve` does, with throwaway settings; no database is opened.
Usage: python scripts/export-openapi.py [OUTPUT]   (default: clients/typescript/openapi.json)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import SecretStr

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "clients" / "typescript" / "openapi.json"


def openapi_json() -> str:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        better_auth_secret=SecretStr("export-only-secret-never-used-to-sign-0123456789"),
        database_url="sqlite:///:memory:",
    )
    document = create_app(build_container(settings)).openapi()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    output.write_text(openapi_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
