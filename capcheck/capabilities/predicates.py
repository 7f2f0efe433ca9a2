"""The named predicates a capability rule pack can call.

Each predicate takes the destination's facts and the rule's ``args`` and returns a
Result: True / False / None (unknown: the facts needed were not available), with the
evidence that decided it. Adding a predicate = one function + the @predicate line;
its parameters are declared so that a rule file naming a wrong argument fails at
load time, not in the middle of an audit.
"""

from __future__ import annotations

from collections.abc import Callable

from capcheck.facts import CONFIG, MESSAGE_TYPES, SOURCE_TYPES, DestinationFacts
from capcheck.model import Evidence, Location
from capcheck.records import dataclass

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Result:
    """A predicate's answer (None: cannot tell) and the evidence for it."""

    value: bool | None
    evidence: tuple[Evidence, ...]


if TYPE_CHECKING:
    PredicateFn = Callable[[DestinationFacts, dict[str, Any]], Result]


@dataclass(frozen=True)
class PredicateSpec:
    """A registered predicate: its function, the arguments it takes and its help."""

    name: str
    fn: PredicateFn
    params: dict[str, type]
    doc: str


REGISTRY: dict[str, PredicateSpec] = {}


def predicate(name: str, **params: type) -> Callable[[PredicateFn], PredicateFn]:
    def register(fn: PredicateFn) -> PredicateFn:
        REGISTRY[name] = PredicateSpec(name, fn, params, (fn.__doc__ or "").strip())
        return fn

    return register


def _ev(fact: str, location: Location | None) -> tuple[Evidence, ...]:
    return (Evidence(fact, location),)


def _unknown(facts: DestinationFacts, ptr: str, question: str) -> Result | None:
    """Unknown, with the field problem as evidence, when ``ptr`` has the wrong shape."""
    problem = facts.problem(ptr)
    if problem is None:
        return None
    return Result(None, _ev(f"{problem.because()}, so {question} is unknown", problem.location))


@predicate("source_type_present", source_type=str)
def source_type_present(facts: DestinationFacts, args: dict[str, Any]) -> Result:
    """The source type is listed in config.supportedSourceTypes."""
    wanted = args["source_type"]
    unknown = _unknown(facts, SOURCE_TYPES, f"whether it includes `{wanted}`")
    if unknown is not None:
        return unknown
    if wanted in facts.source_types:
        index = facts.source_types.index(wanted)
        ptr = f"{SOURCE_TYPES}/{index}"
        return Result(True, _ev(f"`{SOURCE_TYPES}` includes `{wanted}`", facts.loc(ptr)))
    return Result(False, _ev(f"`{SOURCE_TYPES}` lacks `{wanted}`", facts.loc(SOURCE_TYPES)))


@predicate("config_flag_true", flag=str)
def config_flag_true(facts: DestinationFacts, args: dict[str, Any]) -> Result:
    """config.<flag> is present and true."""
    flag = args["flag"]
    ptr = f"{CONFIG}/{flag}"
    unknown = _unknown(facts, ptr, f"`{flag}`")
    if unknown is not None:
        return unknown
    if flag not in facts.config:
        return Result(False, _ev(f"`{flag}` is not present in db-config.json", facts.loc(CONFIG)))
    value = facts.config[flag]
    shown = "true" if value is True else "false" if value is False else repr(value)
    return Result(value is True, _ev(f"`{ptr}` is {shown}", facts.loc(ptr)))


@predicate("config_flag_not_true", flag=str)
def config_flag_not_true(facts: DestinationFacts, args: dict[str, Any]) -> Result:
    """config.<flag> is absent or false (the negation of config_flag_true)."""
    result = config_flag_true(facts, args)
    return Result(None if result.value is None else not result.value, result.evidence)


@predicate("message_type_declared", message_type=str)
def message_type_declared(facts: DestinationFacts, args: dict[str, Any]) -> Result:
    """The message type appears in config.supportedMessageTypes, in any of its shapes:
    a list, a dict by connection mode, or a dict of dicts (device -> source -> list)."""
    wanted = args["message_type"]
    ptr = MESSAGE_TYPES
    unknown = _unknown(facts, ptr, f"whether `{wanted}` is declared")
    if unknown is not None:
        return unknown
    if facts.message_types is None:
        return Result(False, _ev(f"`{ptr}` is not declared", facts.loc(CONFIG)))
    hits = facts.message_type_declarations(wanted)
    if not hits:
        return Result(False, _ev(f"`{ptr}` lacks `{wanted}`", facts.loc(ptr)))
    return Result(
        True,
        tuple(
            Evidence(
                f"`{decl.pointer}` includes `{wanted}`",
                facts.loc(f"{decl.pointer}/{decl.types.index(wanted)}"),
            )
            for decl in hits
        ),
    )


@predicate("code_handles_event_type", event_type=str)
def code_handles_event_type(facts: DestinationFacts, args: dict[str, Any]) -> Result:
    """The destination's transformer code branches on the event type (EventType.X, a
    comparison with the type string, a case label, a CDK v2 workflow condition).
    Unknown when no transformer was given or no code folder resolves."""
    wanted = args["event_type"].lower()
    info = facts.transformer
    if not info.given:
        return Result(None, _ev("transformer code not examined (no --transformer given)", None))
    code = info.resolved_code
    if code is None:
        return Result(None, _ev("no transformer code folder found for this destination", None))
    hits = code.handles(wanted)
    folders = ", ".join(code.shown_folders)
    alias = (info.alias,) if info.alias is not None else ()
    if not hits:
        # a "no" from folders found by name: say that the alias map was not used
        note = _ev(info.alias_note, None) if info.alias_note else ()
        return Result(
            False,
            alias + _ev(f"no `{wanted}` event type handling in {folders} "
                        f"({code.files_scanned} files scanned)", None) + note,
        )
    return Result(
        True,
        alias + tuple(Evidence(f"handles `{wanted}`: {h.snippet}", h.location) for h in hits),
    )
