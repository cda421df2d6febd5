"""Base class for streaming metric state: ``update`` / ``merge`` / ``compute`` / ``reset``.

Every accumulator holds only sum-mergeable state (counts, compensated sums) or
cat-mergeable state (per-sample columns kept in arrival order), so that evaluating
shards separately and merging them gives the one-pass answer. Accumulators are plain
Python objects holding numpy arrays: they pickle, and can be shipped between processes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # typing.Self needs Python 3.11; numpy stays the only runtime dependency
    from typing_extensions import Self

__all__ = ["Accumulator"]

ResultT = TypeVar("ResultT")


class Accumulator(ABC, Generic[ResultT]):
    """Streaming metric state.

    Subclasses implement :meth:`update`, :meth:`_merge_state`, :meth:`compute`,
    :meth:`reset` and :meth:`_config` (the settings two states must share to merge).
    """

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
        self._merge_state(other)
        return self
