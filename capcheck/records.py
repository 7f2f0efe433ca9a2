"""Record classes: the part of ``dataclasses`` that capcheck uses, without its start-up.

capcheck's facts, reports, findings and the like are plain records: annotated fields,
some with a default or a default factory, compared and printed field by field, many of
them frozen (hashable, read-only). ``dataclasses`` gives exactly that, but it is made
for every case: it spends about 0.25 ms per class inspecting the class and writing its
methods, 8.5 ms for the 35 classes of a corpus matrix, before any work is done (a thirtieth
of the whole run); this module, about 0.08 ms.

``dataclass`` here makes the same methods for the cases capcheck uses and refuses the
others (``TypeError``, when the class is made, so nothing behaves differently
silently):

- ``__init__`` taking the fields in order (those of record base classes first), a
  default for a field given one in the class body or by ``field(default=...)``, a
  fresh ``default_factory()`` for each instance otherwise, then ``__post_init__()``
  when the class has one;
- ``__repr__`` as ``Name(a=1, b='x')`` (``...`` for a record found inside itself);
- ``__eq__``: the fields as a tuple, against an instance of exactly the same class;
- ``frozen=True``: assigning or deleting a field raises ``FrozenInstanceError`` (an
  ``AttributeError``), and ``__hash__`` hashes the fields; otherwise ``__hash__`` is
  None (the instances are unhashable), as ``dataclasses`` decides it;
- ``__match_args__``; a method the class body defines itself is kept.

The methods are written as one source text per class shape (``shape``: the field
names, which of them have defaults, frozen or not), compiled once:
``capcheck.precompiled`` holds the compiled form for the shapes of capcheck's own
classes, so that a run neither writes nor compiles them. The tests compare what this
module makes with what ``dataclasses`` makes for the same classes.
"""

from __future__ import annotations

import sys
from _thread import get_ident as _ident

from capcheck import precompiled

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")
    # Frozen, has __post_init__, and each field's name, default ("": none, "=": a value,
    # "()": a factory) and whether repr shows it: what the methods' text depends on.
    Shape = tuple[bool, bool, tuple[tuple[str, str, bool], ...]]
else:
    def dataclass_transform(**_options: object) -> Callable[[T], T]:
        return lambda decorated: decorated


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen record."""


class _Missing:
    """No default (a field that ``__init__`` requires)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _Factory:
    """The ``__init__`` default of a field made by a default factory: told apart from
    any value the caller can pass."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY: Any = _Factory()


class Field:
    """A field of a record: its name, its default (or ``MISSING``), its default factory
    (or ``MISSING``) and whether ``__repr__`` shows it."""

    __slots__ = ("name", "type", "default", "default_factory", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING,
                 repr: bool = True) -> None:  # noqa: A002 - dataclasses' name for it
        self.name = ""
        self.type: Any = None  # the annotation (a string where annotations are postponed)
        self.default = default
        self.default_factory = default_factory
        self.repr = repr

    def __repr__(self) -> str:
        return (f"Field(name={self.name!r}, default={self.default!r}, "
                f"default_factory={self.default_factory!r}, repr={self.repr!r})")


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] = MISSING,
          repr: bool = True) -> Any:  # noqa: A002 - dataclasses' name for it
    """A field's default given as a value or as a factory called for each instance;
    ``repr=False``: not shown by ``__repr__``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, repr)


def fields(record: object) -> tuple[Field, ...]:
    """The fields of a record class or instance, in ``__init__`` order."""
    found = getattr(record, "__record_fields__", None)
    if found is None:
        raise TypeError("must be called with a record class or instance")
    return tuple(found)


def replace(record: T, /, **changes: Any) -> T:
    """A copy of ``record`` with ``changes`` made to its fields."""
    for fld in fields(record):
        if fld.name not in changes:
            changes[fld.name] = getattr(record, fld.name)
    made: T = record.__class__(**changes)
    return made


@dataclass_transform(field_specifiers=(field, Field))
def dataclass(cls: type[Any] | None = None, /, *, frozen: bool = False) -> Any:
    """Make ``cls`` a record class (``@dataclass`` or ``@dataclass(frozen=True)``)."""
    def wrap(cls: type[Any]) -> type[Any]:
        return _process(cls, frozen)

    return wrap if cls is None else wrap(cls)


_REFUSED_ANNOTATIONS = ("ClassVar", "InitVar", "KW_ONLY")
_RESERVED = ("self",)  # __init__'s first parameter


def _process(cls: type[Any], frozen: bool) -> type[Any]:
    own = cls.__dict__
    inherited: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:
        base_fields = base.__dict__.get("__record_fields__")
        if base_fields is not None:
            base_frozen = base.__dict__["__record_frozen__"]
            if base_frozen != frozen:
                raise TypeError("cannot inherit frozen record from a non-frozen one"
                                if frozen else
                                "cannot inherit non-frozen record from a frozen one")
            for fld in base_fields:
                inherited[fld.name] = fld
    found = dict(inherited)
    for name, annotation in own.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if text.rpartition(".")[2].split("[")[0] in _REFUSED_ANNOTATIONS:
            raise TypeError(f"{cls.__qualname__}.{name}: {text} fields are not supported")
        if name in _RESERVED or name.startswith("__"):
            raise TypeError(f"{cls.__qualname__}: a field cannot be named {name!r}")
        value = own.get(name, MISSING)
        if isinstance(value, Field):
            fld = value
            if fld.default is MISSING:
                if name in own:
                    delattr(cls, name)  # no class attribute for a factory or no default
            else:
                setattr(cls, name, fld.default)
        else:
            fld = Field(value)
        if fld.default is not MISSING and type(fld.default).__hash__ is None:
            raise ValueError(f"mutable default {type(fld.default)} for field {name} is "
                             "not allowed: use default_factory")
        fld.name = name
        fld.type = annotation
        found[name] = fld  # (a base's field given again keeps its place, as in dataclasses)
    record_fields = tuple(found.values())
    _check_order(record_fields)

    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in own:
                raise TypeError(f"Cannot overwrite attribute {name} in class "
                                f"{cls.__name__}")
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    methods = _methods(cls, record_fields, frozen)
    methods["__init__"].__annotations__ = {
        **{fld.name: fld.type for fld in record_fields}, "return": None}
    qualname = cls.__qualname__
    for name, method in methods.items():
        if name == "__hash__":
            if explicit_hash:
                continue
        elif name in own and name not in ("__setattr__", "__delattr__"):
            continue  # the class's own method
        method.__qualname__ = f"{qualname}.{name}"
        setattr(cls, name, method)
    if not explicit_hash and not frozen:
        cls.__hash__ = None  # type: ignore[assignment]
    if "__match_args__" not in own:
        cls.__match_args__ = tuple(fld.name for fld in record_fields)  # type: ignore[misc]
    cls.__record_fields__ = record_fields
    cls.__record_frozen__ = frozen
    return cls


def _check_order(record_fields: tuple[Field, ...]) -> None:
    defaulted = False
    for fld in record_fields:
        if fld.default is not MISSING or fld.default_factory is not MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"non-default argument {fld.name!r} follows default argument")


def _methods(cls: type[Any], record_fields: tuple[Field, ...], frozen: bool) -> dict[str, Any]:
    """The methods for ``cls``: the text for its shape, compiled (or its compiled form
    from the precompiled file), called with the class and the defaults."""
    made_as = shape(record_fields, frozen, hasattr(cls, "__post_init__"))
    module = sys.modules.get(cls.__module__)
    namespace: dict[str, Any] = {}
    exec(precompiled.compiled(repr(made_as), source, made_as),  # noqa: S102 - our text
         vars(module) if module is not None else {}, namespace)
    defaults = [fld.default if kind == "=" else fld.default_factory
                for fld, (_name, kind, _shown) in zip(record_fields, made_as[2], strict=True)
                if kind]
    made: dict[str, Any] = namespace["__create__"](
        cls, object.__setattr__, _FACTORY, FrozenInstanceError, _repr_running, _ident,
        *defaults)
    return made


def shape(record_fields: tuple[Field, ...], frozen: bool, post_init: bool) -> Shape:
    """What the methods' text depends on (its ``repr`` is the precompiled file's key)."""
    return (frozen, post_init, tuple(
        (fld.name, "" if fld.default is MISSING and fld.default_factory is MISSING
         else "=" if fld.default_factory is MISSING else "()", fld.repr)
        for fld in record_fields))


_repr_running: set[tuple[int, int]] = set()  # (record, thread) whose repr is being made


def source(shape: Shape) -> str:
    """The text of ``__create__``, which makes the methods of a record class of this
    shape: ``__init__``, ``__repr__``, ``__eq__`` and, when frozen, ``__hash__``,
    ``__setattr__`` and ``__delattr__``."""
    frozen, post_init, shaped = shape
    names = [name for name, _kind, _shown in shaped]
    parameters = ["self"]
    body = []
    extra = []
    for number, (name, kind, _shown) in enumerate(shaped):
        if kind == "()":
            extra.append(f"__default_{number}")
            parameters.append(f"{name}=__FACTORY")
            value = f"__default_{number}() if {name} is __FACTORY else {name}"
        elif kind == "=":
            extra.append(f"__default_{number}")
            parameters.append(f"{name}=__default_{number}")
            value = name
        else:
            parameters.append(name)
            value = name
        body.append(f"__object_setattr(self, {name!r}, {value})" if frozen
                    else f"self.{name} = {value}")
    if post_init:
        body.append("self.__post_init__()")
    own = "".join(f"self.{name}," for name in names)
    other = "".join(f"other.{name}," for name in names)
    shown = ", ".join(f"{name}={{self.{name}!r}}" for name, _kind, on in shaped if on)
    lines = [
        "def __create__(__cls, __object_setattr, __FACTORY, __frozen_error, __running,"
        f" __ident{''.join(', ' + name for name in extra)}):",
        f"    def __init__({', '.join(parameters)}):",
        *(f"        {line}" for line in body or ["pass"]),
        "    def __repr__(self):",
        "        key = (id(self), __ident())",
        "        if key in __running:",
        "            return '...'",
        "        __running.add(key)",
        "        try:",
        f"            return f'{{self.__class__.__qualname__}}({shown})'",
        "        finally:",
        "            __running.discard(key)",
        "    def __eq__(self, other):",
        "        if other.__class__ is self.__class__:",
        f"            return ({own}) == ({other})",
        "        return NotImplemented",
    ]
    made = ["__init__", "__repr__", "__eq__"]
    if frozen:
        lines += [
            "    def __hash__(self):",
            f"        return hash(({own}))",
            "    def __setattr__(self, name, value):",
            f"        if type(self) is __cls or name in ({''.join(repr(n) + ',' for n in names)}):",
            "            raise __frozen_error(f'cannot assign to field {name!r}')",
            "        super(__cls, self).__setattr__(name, value)",
            "    def __delattr__(self, name):",
            f"        if type(self) is __cls or name in ({''.join(repr(n) + ',' for n in names)}):",
            "            raise __frozen_error(f'cannot delete field {name!r}')",
            "        super(__cls, self).__delattr__(name)",
        ]
        made += ["__hash__", "__setattr__", "__delattr__"]
    lines.append(f"    return {{{', '.join(f'{name!r}: {name}' for name in made)}}}")
    return "\n".join(lines) + "\n"
