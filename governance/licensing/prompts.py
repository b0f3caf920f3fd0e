"""Prompt rules of a workspace: validation of the rules themselves and matching prompts against them.

Terms match whole words, case- and width-insensitively (NFKC + casefold), so "ACME", "acme" and
its full-width form all hit the term "Acme". Patterns are regular expressions run with the ``regex``
module, which can stop a search after a timeout. Patterns are also screened when saved: a length limit,
a compile check, and a refusal of the constructs that cause catastrophic backtracking (a quantified group
that itself ends in a quantifier, such as ``(a+)+``, and backreferences). The timeout is the last line:
a pattern that still runs too long blocks the request (fail closed) with ``prompt_rule_timeout``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import regex
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from governance.licensing.models import PromptPolicy
from photai_dam.api.errors import ApiError

MAX_TERMS = 200
MAX_TERM_LENGTH = 100
MAX_PATTERNS = 50
MAX_PATTERN_LENGTH = 200

_REPEAT_AFTER = re.compile(r"[*+]|\{\d*,\d*\}|\{\d+\}")
# Backreferences (\1, \g<1>, (?P=name)) make matching exponential in the worst case.
_BACKREFERENCE = re.compile(r"\\[1-9]|\\g<|\(\?P=")


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` may not be saved, or None when it may."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"longer than {MAX_PATTERN_LENGTH} characters"
    if _has_nested_quantifier(pattern):
        return "a repeated group containing a quantifier, e.g. (a+)+, can backtrack catastrophically"
    if _BACKREFERENCE.search(pattern):
        return "backreferences are not allowed"
    try:
        regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        return f"does not compile: {exc}"
    return None


def _has_nested_quantifier(pattern: str) -> bool:
    """True when a group that contains a quantifier is itself repeated (``*``, ``+`` or ``{m,n}``)."""
    stack: list[bool] = []  # per open group: does it contain a quantifier?
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            stack.append(False)
            if pattern.startswith("?", i + 1):
                i += 1  # (?:…), (?i), (?P<name>…): the "?" is group syntax, not a quantifier
        elif char == ")":
            inner = stack.pop() if stack else False
            repeated = _REPEAT_AFTER.match(pattern, i + 1) is not None
            if inner and repeated:
                return True
            if stack and (inner or repeated):
                stack[-1] = True
        elif char in "*+?{" and stack:
            stack[-1] = True
        i += 1
    return False


def _clean_terms(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        term = " ".join(value.split())
        if not term:
            raise ValueError("terms cannot be empty")
        if len(term) > MAX_TERM_LENGTH:
            raise ValueError(f"{term[:20]!r}… is longer than {MAX_TERM_LENGTH} characters")
        if normalise(term) not in {normalise(t) for t in cleaned}:
            cleaned.append(term)
    return cleaned


def _clean_patterns(values: list[str]) -> list[str]:
    for value in values:
        problem = check_pattern(value)
        if problem:
            raise ValueError(f"{value[:40]!r}: {problem}")
    return list(dict.fromkeys(values))


class PromptRulesData(BaseModel):
    """The prompt rules a workspace admin manages (``PUT …/policy``)."""

    model_config = ConfigDict(extra="forbid")

    blocked_terms: list[str] = Field(default_factory=list, max_length=MAX_TERMS)
    blocked_patterns: list[str] = Field(default_factory=list, max_length=MAX_PATTERNS)
    flagged_terms: list[str] = Field(default_factory=list, max_length=MAX_TERMS)
    flagged_patterns: list[str] = Field(default_factory=list, max_length=MAX_PATTERNS)

    _terms = field_validator("blocked_terms", "flagged_terms")(_clean_terms)
    _patterns = field_validator("blocked_patterns", "flagged_patterns")(_clean_patterns)


def validate_rules(data: Any) -> dict[str, list[str]]:
    """Normalised rules, or 400 ``invalid_policy`` with field errors."""
    if not isinstance(data, dict):
        raise ApiError(
            "invalid_policy",
            "prompt_rules must be an object.",
            details={"fields": {"prompt_rules": ["not an object"]}},
        )
    try:
        return PromptRulesData.model_validate(data).model_dump()
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "prompt_rules"
            fields.setdefault(key, []).append(error["msg"].removeprefix("Value error, "))
        raise ApiError(
            "invalid_policy", "The prompt rules are not valid.", details={"fields": fields}
        ) from None


@dataclass(frozen=True)
class Hit:
    """One rule a prompt matched."""

    severity: str  # "blocked" | "flagged" | "timeout"
    rule: str  # the term or pattern
    kind: str  # "term" | "pattern"


def _term_hits(prompt: str, terms: list[str]) -> list[str]:
    hits = []
    for term in terms:
        needle = re.escape(normalise(term))
        if re.search(rf"(?<!\w){needle}(?!\w)", prompt):
            hits.append(term)
    return hits


def match(prompt: str, rules: dict[str, list[str]]) -> list[Hit]:
    """Every rule ``prompt`` hits (blocked first, then flagged)."""
    if not prompt:
        return []
    text = normalise(prompt)
    timeout = getattr(settings, "PROMPT_PATTERN_TIMEOUT_S", 0.05)
    hits: list[Hit] = []
    for severity in ("blocked", "flagged"):
        hits += [Hit(severity, t, "term") for t in _term_hits(text, rules.get(f"{severity}_terms", []))]
        for pattern in rules.get(f"{severity}_patterns", []):
            try:
                if regex.search(pattern, text, flags=regex.IGNORECASE | regex.V0, timeout=timeout):
                    hits.append(Hit(severity, pattern, "pattern"))
            except TimeoutError:
                hits.append(Hit("timeout", pattern, "pattern"))
    return hits


def rules_for(workspace: Any) -> dict[str, list[str]]:
    policy = PromptPolicy.objects.filter(workspace=workspace).first()
    if policy is None:
        return {"blocked_terms": [], "blocked_patterns": [], "flagged_terms": [], "flagged_patterns": []}
    return {
        "blocked_terms": list(policy.blocked_terms),
        "blocked_patterns": list(policy.blocked_patterns),
        "flagged_terms": list(policy.flagged_terms),
        "flagged_patterns": list(policy.flagged_patterns),
    }
