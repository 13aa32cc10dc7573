"""The JSON Schema of rule files, for editors (the YAML language server completes and checks with it).

Rule files point at it with a first line such as
`# yaml-language-server: $schema=./calsync-rules.schema.json`; `calsync schema` prints it and
`rules/calsync-rules.schema.json` ships a copy (a test keeps that copy current).
"""

from __future__ import annotations

import json
from typing import Any

from calsync.rules.schema import RuleFile

SCHEMA_FILE = "calsync-rules.schema.json"
SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"


def rules_schema() -> dict[str, Any]:
    schema = RuleFile.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "calsync rule file",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    return json.dumps(rules_schema(), indent=2, ensure_ascii=False) + "\n"
