"""Base class for streaming metric state: ``update`` / ``merge`` / ``compute`` / ``reset``.

Every accumulator holds only sum-mergeable state (counts, compensated sums) or
cat-mergeable state (per-sample columns kept in arrival order), so that evaluating
shards separately and merging them gives the one-pass answer. Accumulators are plain
Python objects holding numpy arrays: they pickle, and can be shipped between processes.

Thread safety: one accumulator may be shared between threads. ``update``, ``compute``,
``reset`` and ``merge`` of an instance hold its lock (a re-entrant lock created on first
use and left out of pickles), so concurrent updates are applied one at a time and none
is lost; the result equals applying them in some sequential order. ``merge`` takes both
instances' locks in a fixed order, so two threads merging a into b and b into a cannot
deadlock.
"""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # typing.Self needs Python 3.11; numpy stays the only runtime dependency
    from typing_extensions import Self

__all__ = ["Accumulator"]

ResultT = TypeVar("ResultT")
_F = TypeVar("_F", bound=Callable[..., Any])

_LOCK_ATTR = "_mm_lock"
_LOCKED_METHODS = ("update", "compute", "reset")


def _lock_of(acc: object) -> threading.RLock:
    # dict.setdefault is atomic under the GIL: two threads get the same lock.
    lock: threading.RLock = acc.__dict__.setdefault(_LOCK_ATTR, threading.RLock())
    return lock


def _locked(fn: _F) -> _F:
    @functools.wraps(fn)
    def wrapper(self: object, *args: Any, **kwargs: Any) -> Any:
        with _lock_of(self):
            return fn(self, *args, **kwargs)

    wrapper.__mm_locked__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class Accumulator(ABC, Generic[ResultT]):
    """Streaming metric state.

    Subclasses implement :meth:`update`, :meth:`_merge_state`, :meth:`compute`,
    :meth:`reset` and :meth:`_config` (the settings two states must share to merge).
    Those public methods are wrapped to hold the instance's lock (see the module
    docstring).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _LOCKED_METHODS:
            fn = cls.__dict__.get(name)
            if fn is not None and not getattr(fn, "__mm_locked__", False):
                setattr(cls, name, _locked(fn))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop(_LOCK_ATTR, None)  # locks do not pickle; the copy makes its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @abstractmethod
    def update(self, *args: Any, **kwargs: Any) -> Self:
        """Add a batch of samples to the state and return ``self``."""

    @abstractmethod
    def compute(self) -> ResultT:
        """Metric values for everything added so far."""

    @abstractmethod
    def reset(self) -> None:
        """Forget every sample, keeping the configuration."""

    @abstractmethod
    def _config(self) -> tuple[Any, ...]:
        """Settings that must be equal for two states to merge."""

    @abstractmethod
    def _merge_state(self, other: Self) -> None:
        """Fold `other`'s state into ``self`` (configs already checked equal)."""

    def merge(self, other: Self) -> Self:
        """Fold another accumulator's state into this one and return ``self``.

        Raises
        ------
        TypeError
            If `other` is not the same kind of accumulator.
        ValueError
            If `other` was configured differently.
        """
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        if other._config() != self._config():
            raise ValueError(
                f"cannot merge {type(self).__name__} states with different settings: "
                f"{self._config()!r} != {other._config()!r}"
            )
        first, second = sorted((self, other), key=id)
        with _lock_of(first), _lock_of(second):
            self._merge_state(other)
        return self
