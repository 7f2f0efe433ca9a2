"""Decide each capability of a destination from its facts and the selected pack."""

from __future__ import annotations

from capcheck.capabilities.pack import Capability, Condition
from capcheck.capabilities.predicates import REGISTRY, Result
from capcheck.facts import DestinationFacts
from capcheck.model import Evidence, Status, Verdict


def evaluate_condition(condition: Condition, facts: DestinationFacts) -> Result:
    if condition.predicate is not None:
        return REGISTRY[condition.predicate].fn(facts, condition.args)
    results = [evaluate_condition(sub, facts) for sub in condition.any_of]
    evidence = tuple(e for r in results for e in r.evidence)
    if any(r.value is True for r in results):
        return Result(True, tuple(e for r in results if r.value is True for e in r.evidence))
    if any(r.value is None for r in results):
        return Result(None, evidence)
    return Result(False, evidence)


def _join(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


_DEFAULT_MESSAGES = {
    Status.SUPPORTED: "all conditions hold: {present}",
    Status.PARTIAL: "{present}, but missing {missing}",
    Status.NOT_SUPPORTED: "missing {missing}",
    Status.NOT_APPLICABLE: "needs {requires}",
    Status.UNKNOWN: "cannot decide: {unknown}",
}


def decide(cap: Capability, facts: DestinationFacts, decided: dict[str, Verdict]) -> Verdict:
    unmet = [v for v in map(decided.__getitem__, cap.requires) if v.status is not _SUPPORTED]
    requires = _join([v.title for v in unmet])
    if unmet:
        status = (
            Status.UNKNOWN if any(v.status is Status.UNKNOWN for v in unmet)
            else Status.NOT_APPLICABLE
        )
        evidence = tuple(e for v in unmet for e in v.evidence)
        values = {"requires": requires, "present": "", "missing": "", "unknown": requires}
    else:
        present: list[str] = []
        missing: list[str] = []
        unknown: list[str] = []
        found: list[Evidence] = []
        for condition in cap.conditions:
            result = evaluate_condition(condition, facts)
            if result.value is True:
                present.append(condition.label)
            elif result.value is False:
                missing.append(condition.label)
            elif result.value is None:
                unknown.append(condition.label)
            found.extend(result.evidence)
        values = {"requires": requires, "present": _join(present), "missing": _join(missing),
                  "unknown": _join(unknown)}
        if not missing and not unknown:
            status = _SUPPORTED
        elif cap.partial and present and missing:
            status = Status.PARTIAL
        elif missing:
            status = Status.NOT_SUPPORTED
        else:
            status = Status.UNKNOWN
        evidence = tuple(found)
    template = cap.messages.get(status.value, _DEFAULT_MESSAGES[status])
    return Verdict(
        capability=cap.id,
        title=cap.title,
        status=status,
        message=template.format(**values),
        evidence=_dedupe(evidence),
        variant=cap.variant,
    )


_SUPPORTED = Status.SUPPORTED


def _dedupe(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(evidence))


def evaluate(capabilities: list[Capability], facts: DestinationFacts) -> list[Verdict]:
    decided: dict[str, Verdict] = {}
    for cap in capabilities:
        decided[cap.id] = decide(cap, facts, decided)
    return list(decided.values())
