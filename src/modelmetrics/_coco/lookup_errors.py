"""Lookup errors on user data turned into ``ValueError`` at the COCO API boundary.

The COCO classes read whatever nested dicts and lists the caller supplies, as
pycocotools does, and a missing key or a short list surfaces deep inside as a bare
``KeyError`` or ``IndexError``. :func:`lookup_errors_as_value_errors` wraps every
public method of a class so that such an error leaves as
:class:`~modelmetrics.exceptions.MissingFieldError` (a ``ValueError`` that is still a
``KeyError``), naming the method and the missing key; every other error passes through.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from modelmetrics.exceptions import MissingFieldError

__all__ = ["lookup_errors_as_value_errors"]

_C = TypeVar("_C", bound=type)


def _wrap(fn: Callable[..., Any], where: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MissingFieldError:
            raise
        except KeyError as exc:
            key = exc.args[0] if exc.args else None
            raise MissingFieldError(f"{where}: the input has no {key!r} entry") from exc
        except IndexError as exc:
            raise MissingFieldError(f"{where}: an input list is too short ({exc})") from exc

    return wrapper


def lookup_errors_as_value_errors(cls: _C) -> _C:
    """Class decorator: public methods, ``__init__`` and property getters are wrapped."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") and name != "__init__":
            continue
        where = f"{cls.__name__}.{name}"
        if isinstance(member, property) and member.fget is not None:
            setattr(cls, name, member.getter(_wrap(member.fget, where)))
        elif isinstance(member, classmethod | staticmethod):
            kind = type(member)
            setattr(cls, name, kind(_wrap(member.__func__, where)))
        elif callable(member):
            setattr(cls, name, _wrap(member, where))
    return cls
