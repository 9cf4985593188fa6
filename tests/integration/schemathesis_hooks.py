"""Schemathesis hooks for test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Schemathesis does not hold header values to their `pattern`, so a "valid" Idempotency-Key it makes
may be refused (422), and it may send one key with two bodies (422 by design). A positive case
therefore gets a fresh, valid key; negative cases keep what was generated.
"""

from __future__ import annotations

import uuid

import schemathesis
from schemathesis import Case
from schemathesis.hooks import HookContext

IDEMPOTENCY_KEY = "Idempotency-Key"


@schemathesis.hook
def map_case(context: HookContext, case: Case) -> Case:
    meta = case.meta
    positive = meta is None or meta.generation.mode.is_positive
    if positive and case.headers and IDEMPOTENCY_KEY in case.headers:
        case.headers[IDEMPOTENCY_KEY] = f"fuzz-{uuid.uuid4()}"
    return case
