"""Schemathesis hooks for test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Generated keys repeat (Hypothesis likes "0"), and one key sent with two different requests is 422 by
design, which the positive-data check would read as a valid request refused. So a positive case gets
a fresh key; negative cases keep what was generated, and must still be refused.

A task's `recurrence` is an RFC 5545 rule whose grammar (FREQ required, each part once) and cross-field
rules (it needs a due, and the due cannot be cleared under it) are more than a JSON Schema can say, so a
schema-valid rule may rightly be a 422: positive bodies send none (null, which clears it). The unit tests of
domain/recurrence.py and the API tests cover it.
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
    if positive and isinstance(case.body, dict) and "recurrence" in case.body:
        case.body["recurrence"] = None
    return case
