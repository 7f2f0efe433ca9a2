"""``capcheck.records``: the same record classes as ``dataclasses`` makes, for what
capcheck uses (fields with defaults or factories, frozen or not, ``__post_init__``,
``repr=False``), and a clear refusal of the rest."""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import pickle
import pkgutil
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capcheck
from capcheck import records

# A field: (name, kind, value): kind "required", "default" (value) or "factory" (a
# factory making a fresh list holding value).
Spec = list[tuple[str, str, Any]]


def _make(maker: Any, field: Callable[..., Any], spec: Spec, frozen: bool,
          body: dict[str, Any] | None = None, name: str = "Rec") -> type[Any]:
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": name,
                                 "__doc__": "A record.", "__annotations__": {}}
    for field_name, kind, value in spec:
        namespace["__annotations__"][field_name] = "Any"
        if kind == "default":
            namespace[field_name] = value
        elif kind == "factory":
            namespace[field_name] = field(default_factory=lambda value=value: [value])
        elif kind == "hidden":  # not shown by repr
            namespace[field_name] = field(default=value, repr=False)
    namespace.update(body or {})
    made: type[Any] = maker(frozen=frozen)(type(name, (), namespace))
    return made


def _both(spec: Spec, frozen: bool, body: dict[str, Any] | None = None
          ) -> tuple[type[Any], type[Any]]:
    return (_make(records.dataclass, records.field, spec, frozen, body),
            _make(dataclasses.dataclass, dataclasses.field, spec, frozen, body))


def _outcome(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        return ("ok", repr(call()))
    except Exception as exc:  # noqa: BLE001 - compared between the two makers
        return (type(exc).__name__, str(exc))


def _values(spec: Spec, offset: int) -> list[Any]:
    return [f"v{offset}{index}" if index % 2 else offset + index
            for index, _ in enumerate(spec)]


_names = st.lists(st.sampled_from(["a", "b", "count", "name", "other", "value", "key",
                                   "items", "x_1", "_private"]),
                  unique=True, max_size=6)
_kind = st.sampled_from(["required", "default", "factory", "hidden"])
_value = st.one_of(st.integers(-3, 3), st.text(max_size=3), st.none(),
                   st.tuples(st.integers(0, 2)))


@st.composite
def _specs(draw: Any) -> Spec:
    names = draw(_names)
    return [(name, draw(_kind), draw(_value)) for name in names]


@settings(max_examples=150, deadline=None)
@given(spec=_specs(), frozen=st.booleans())
def test_the_same_class_as_dataclasses(spec: Spec, frozen: bool) -> None:
    made = _outcome(lambda: _make(records.dataclass, records.field, spec, frozen))
    assert made == _outcome(lambda: _make(dataclasses.dataclass, dataclasses.field, spec,
                                          frozen))  # the class, or the same error
    if made[0] != "ok":  # a field without a default after one with
        assert made[0] == "TypeError" and "follows default argument" in made[1]
        return
    ours, theirs = _both(spec, frozen)
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__match_args__ == theirs.__match_args__
    assert [f.name for f in records.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    required = [name for name, kind, _ in spec if kind == "required"]
    for offset in (0, 5):
        given_values = dict(zip(required, _values(spec, offset), strict=False))
        a, b = ours(**given_values), theirs(**given_values)
        assert repr(a).replace(ours.__qualname__, "X") == repr(b).replace(theirs.__qualname__, "X")
        assert (a == ours(**given_values)) is True and (a == b) is False
        _same(hash, a, b)
        for field_name, _kind, _value in spec[:2]:
            _same(functools.partial(_assign, field_name), a, b)
            _same(functools.partial(_delete, field_name), a, b)
        _same(functools.partial(_assign, "extra"), a, b)
    too_many = range(len(spec) + 1)
    _same(lambda made: made(*too_many), ours, theirs)


def _same(action: Callable[[Any], Any], ours: Any, theirs: Any) -> None:
    """``action`` gives the same result, or raises the same error, on both."""
    assert _outcome(functools.partial(action, ours)) \
        == _outcome(functools.partial(action, theirs))


def _assign(name: str, record: Any) -> None:
    setattr(record, name, 1)


def _delete(name: str, record: Any) -> None:
    delattr(record, name)


def test_class_errors_are_dataclasses_errors() -> None:
    specs: list[Spec] = [[("a", "default", 1), ("b", "required", None)],
                         [("a", "factory", 1), ("b", "required", None)],
                         [("a", "default", [])], [("a", "default", {})]]
    for spec in specs:
        for frozen in (False, True):
            ours = _outcome(functools.partial(_make, records.dataclass, records.field, spec,
                                              frozen))
            assert ours[0] != "ok"
            assert ours == _outcome(functools.partial(
                _make, dataclasses.dataclass, dataclasses.field, spec, frozen))
    with pytest.raises(ValueError, match="both default and default_factory"):
        records.field(default=1, default_factory=list)
    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__"):
        _make(records.dataclass, records.field, [("a", "required", 0)], True,
              {"__setattr__": lambda self, name, value: None})


def test_what_capcheck_does_not_use_is_refused() -> None:
    for annotation in ("ClassVar[int]", "typing.ClassVar[int]", "InitVar[int]",
                       "dataclasses.InitVar[int]", "KW_ONLY"):
        with pytest.raises(TypeError, match="not supported"):
            records.dataclass(type("R", (), {"__annotations__": {"a": annotation}}))
    with pytest.raises(TypeError, match="not supported"):
        records.dataclass(type("R", (), {"__annotations__": {"a": ClassVar[int]}}))
    for name in ("self", "__secret"):
        with pytest.raises(TypeError, match="cannot be named"):
            records.dataclass(type("R", (), {"__annotations__": {name: "int"}}))


def test_factories_make_a_fresh_value_for_each_instance() -> None:
    @records.dataclass
    class Bag:
        """Items."""

        items: list[int] = records.field(default_factory=list)

    first, second = Bag(), Bag()
    first.items.append(1)
    assert second.items == [] and Bag([2]).items == [2]
    assert "items" not in Bag.__dict__  # no class attribute for a factory's field


def test_own_methods_are_kept_and_post_init_runs() -> None:
    calls: list[str] = []
    body = {"__repr__": lambda self: "mine", "__eq__": lambda self, other: True,
            "__post_init__": lambda self: calls.append("post")}
    for frozen in (False, True):
        ours, theirs = _both([("a", "required", 0)], frozen, body)
        assert repr(ours(1)) == repr(theirs(1)) == "mine"
        assert ours(1) == ours(2) and theirs(1) == theirs(2)
        # an own __eq__ without __hash__: the class is unhashable unless frozen
        assert (ours.__hash__ is None) == (theirs.__hash__ is None) == (not frozen)
    assert calls.count("post") >= 4
    explicit = {"__hash__": lambda self: 7}
    for frozen in (False, True):
        ours, theirs = _both([("a", "required", 0)], frozen, explicit)
        assert hash(ours(1)) == hash(theirs(1)) == 7


def test_base_record_fields_come_first_and_keep_their_place() -> None:
    for maker, field in ((records.dataclass, records.field),
                         (dataclasses.dataclass, dataclasses.field)):
        base = _make(maker, field, [("a", "required", 0), ("b", "default", 2)], True)
        child: Any = maker(frozen=True)(type("Child", (base,), {
            "__module__": __name__, "__doc__": "A child.",
            "__annotations__": {"c": "int", "a": "int"}, "c": 3, "a": 1}))
        assert str(inspect.signature(child)) \
            == "(a: 'int' = 1, b: 'Any' = 2, c: 'int' = 3) -> None"
        assert repr(child()) == "Child(a=1, b=2, c=3)"
    base = _make(records.dataclass, records.field, [("a", "required", 0)], True)
    with pytest.raises(TypeError, match="non-frozen record from a frozen one"):
        records.dataclass(type("Child", (base,), {"__annotations__": {}}))
    plain = type("Plain", (), {"__annotations__": {"ignored": "int"}})
    made = records.dataclass(type("Child", (plain,), {"__annotations__": {"kept": "int"}}))
    assert [f.name for f in records.fields(made)] == ["kept"]  # as dataclasses: not a record


def test_frozen_records_pickle_copy_and_replace() -> None:
    value = _PICKLED(1, ("x",))
    for again in (pickle.loads(pickle.dumps(value, 5)), copy.copy(value), copy.deepcopy(value)):
        assert again == value and hash(again) == hash(value) and again is not value
    assert records.replace(value, b=("y",)) == _PICKLED(1, ("y",))
    with pytest.raises(TypeError, match="record class or instance"):
        records.fields(object())


def test_a_record_inside_itself_is_shown_as_dots() -> None:
    @records.dataclass
    class Node:
        """A node."""

        child: Any = None

    node = Node()
    node.child = node
    assert repr(node) == "test_a_record_inside_itself_is_shown_as_dots.<locals>.Node(child=...)"


def test_every_capcheck_record_has_fields_matching_its_annotations() -> None:
    """Each record class of capcheck is made by this module (none by dataclasses), its
    fields in annotation order."""
    import importlib

    seen = 0
    for module_info in pkgutil.walk_packages(capcheck.__path__, "capcheck."):
        if module_info.name.endswith("__main__") or ".spark" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                assert not dataclasses.is_dataclass(value), value
                if "__record_fields__" in value.__dict__:
                    seen += 1
                    names = [f.name for f in records.fields(value)]
                    assert names == list(value.__dict__.get("__annotations__", {})), value
    assert seen > 50


@records.dataclass(frozen=True)
class _PICKLED:
    """Pickled (module level, as capcheck's results are)."""

    a: int
    b: tuple[str, ...] = ()
