"""Light data classes for the hook path: what `@dataclass` gives, built without `exec`.

The commit hooks must start in a few bare-Python start-ups (DESIGN §8). `dataclasses` costs
them about 2x on its own: importing it pulls in `inspect` (and `ast`, `dis`, `tokenize`), and
every class it makes compiles six methods through `exec`. The hooks load about twenty such
classes. `record` makes the same kind of class (an `__init__` taking the fields in order with
their defaults, `__repr__`, `__eq__`, `__hash__` when frozen, frozen attributes) from closures,
so defining a class costs microseconds. Type checkers see it as a dataclass (PEP 681).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar, overload

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10
    from typing_extensions import dataclass_transform

T = TypeVar("T")
_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made fresh for each instance (like dataclasses.field)."""
    return _Factory(default_factory)


def _fields(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):  # noqa: RUF063 - inspect is what we avoid
            if name not in names and not name.startswith("_"):
                names.append(name)
    return names


def _build(cls: type[T], frozen: bool) -> type[T]:
    names = _fields(cls)
    defaults: dict[str, Any] = {}
    for name in names:
        value = cls.__dict__.get(name, _MISSING)
        if value is not _MISSING and not isinstance(value, (property, staticmethod, classmethod)):
            defaults[name] = value
            if isinstance(value, _Factory):
                delattr(cls, name)  # instances get their own value; the marker must not show through
    required = [n for n in names if n not in defaults]
    setter = object.__setattr__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments, got {len(args)}")
        values = dict(zip(names[: len(args)], args, strict=True))
        for key, value in kwargs.items():
            if key not in defaults and key not in required:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
            values[key] = value
        for name in names:
            if name in values:
                setter(self, name, values[name])
            elif name in defaults:
                default = defaults[name]
                setter(self, name, default.make() if isinstance(default, _Factory) else default)
            else:
                raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def _values(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in names)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(_values(self) == _values(other))

    methods: dict[str, Any] = {
        "__init__": __init__,
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__match_args__": tuple(names),
        "__record_fields__": tuple(names),
        "__hash__": None,  # mutable and comparable: unhashable, as with dataclasses
    }
    if frozen:

        def __hash__(self: Any) -> int:
            return hash(_values(self))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {cls.__name__}")

        def __delattr__(self: Any, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {cls.__name__}")

        methods.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    for name, value in methods.items():
        setattr(cls, name, value)
    return cls


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = True) -> Any:
    """Make cls a data class: frozen (hashable, read-only) unless `frozen=False`."""
    if cls is None:
        return lambda inner: _build(inner, frozen)
    return _build(cls, frozen)


def replace(obj: T, **changes: Any) -> T:
    """A copy of a record with some fields changed (dataclasses.replace, for records)."""
    values = {name: getattr(obj, name) for name in _fields(type(obj))}
    values.update(changes)
    return type(obj)(**values)
