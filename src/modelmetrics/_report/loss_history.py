"""Loss over time: training and validation losses with RFC 3339 timestamps.

Timestamps are kept as integer nanoseconds since the Unix epoch (UTC) together with
the number of fraction digits they were given with, because :class:`datetime.datetime`
stops at microseconds: ``2026-11-26T05:00:00.123456789Z`` is written back exactly as it
was read. Offsets other than ``Z`` are converted to UTC.
"""

from __future__ import annotations

import math
import numbers
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from modelmetrics._core.checks import check_int, check_real

__all__ = ["Convergence", "LossHistory", "Timestamp", "format_timestamp", "parse_timestamp"]

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_NS = 1_000_000_000


@dataclass(frozen=True, order=True)
class Timestamp:
    """A UTC instant: nanoseconds since the epoch and the fraction digits to print."""

    ns: int
    digits: int = 9

    def __str__(self) -> str:
        return format_timestamp(self)


def parse_timestamp(value: object, *, name: str = "timestamp") -> Timestamp:
    """Read an RFC 3339 string, an aware datetime, epoch seconds or a numpy datetime64.

    Raises
    ------
    ValueError
        For a malformed string, more than 9 fraction digits, a naive datetime or a
        non-finite number.
    TypeError
        For any other type.
    """
    stamp = _parse(value, name)
    # RFC 3339 (and datetime, which formats it) spans the years 0001 to 9999.
    if not _FIRST_NS <= stamp.ns < _AFTER_LAST_NS:
        raise ValueError(f"{name}: {value!r} is outside the years 0001 to 9999")
    return stamp


# Epoch nanoseconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z.
_FIRST_NS = -62_135_596_800 * 1_000_000_000
_AFTER_LAST_NS = 253_402_300_800 * 1_000_000_000


def _parse(value: object, name: str) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if isinstance(value, str):
        return _parse_string(value, name)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: naive datetime {value!r}; give it a timezone (UTC)")
        delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return Timestamp(micros * 1000, 6 if value.microsecond else 0)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError(f"{name}: NaT is not a time")
        return Timestamp(int(value.astype("datetime64[ns]").astype(np.int64)), 9)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"{name}: {value!r} is not a finite number of epoch seconds")
        if isinstance(value, numbers.Integral):
            return Timestamp(int(value) * _NS, 0)
        if abs(seconds) > 1e15:  # far outside the years 0001-9999; seconds * 1e6 may overflow
            raise ValueError(f"{name}: {value!r} is outside the years 0001 to 9999")
        return Timestamp(round(seconds * 1e6) * 1000, 6)  # a double holds about microseconds
    raise TypeError(
        f"{name} must be an RFC 3339 string, an aware datetime, epoch seconds or a "
        f"datetime64, got {type(value).__name__}"
    )


def _parse_string(text: str, name: str) -> Timestamp:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{name}: {text!r} is not an RFC 3339 timestamp (e.g. 2026-11-26T05:00:00Z)"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, _, sign, off_h, off_m = match.groups()[6:]
    fraction = fraction or ""
    if len(fraction) > 9:
        raise ValueError(f"{name}: {text!r} has more than 9 fraction digits (nanoseconds)")
    try:
        base = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"{name}: {text!r} is not a valid date and time: {exc}") from exc
    offset = 0
    if sign is not None:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{name}: {text!r} has an invalid UTC offset")
        offset = (int(off_h) * 3600 + int(off_m) * 60) * (1 if sign == "+" else -1)
    seconds = (base - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1) - offset
    sub = int(fraction.ljust(9, "0")) if fraction else 0
    return Timestamp(seconds * _NS + sub, len(fraction))


def format_timestamp(stamp: Timestamp) -> str:
    """RFC 3339 in UTC with ``Z``, with `stamp.digits` fraction digits (none when 0)."""
    seconds, sub = divmod(stamp.ns, _NS)
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if stamp.digits:
        digits = f"{sub:09d}"
        # A stamp more precise than its stated digits keeps all nine.
        extra = stamp.digits < 9 and int(digits[stamp.digits :])
        text += "." + digits[: 9 if extra else stamp.digits]
    return text + "Z"


@dataclass(frozen=True)
class Convergence:
    """How training converged, read from a :class:`LossHistory`.

    Attributes
    ----------
    best_loss : float or None
        Lowest validation loss (training loss when no validation loss was logged).
    best_index : int or None
        Entry where it was reached (the first, on ties).
    best_timestamp : str or None
        Its timestamp, when timestamps were recorded.
    monitored : {"validation", "training"} or None
        Which loss the summary follows.
    entries_since_best : int
        Entries with a value of the monitored loss after the best one.
    plateaued : bool
        True when the last `patience` values of the monitored loss all failed to
        improve on the best value before them by more than `min_delta`.
    patience : int
    min_delta : float
    """

    best_loss: float | None
    best_index: int | None
    best_timestamp: str | None
    monitored: str | None
    entries_since_best: int
    plateaued: bool
    patience: int
    min_delta: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values under kebab-case names."""
        return {
            "monitored": self.monitored,
            "best-loss": self.best_loss,
            "best-index": self.best_index,
            "best-timestamp": self.best_timestamp,
            "entries-since-best": self.entries_since_best,
            "plateaued": self.plateaued,
            "patience": self.patience,
            "min-delta": self.min_delta,
        }


def _loss_value(value: object, name: str) -> float | None:
    number = check_real(name, value, allow_none=True, allow_nan=True)
    return None if number is None or math.isnan(number) else number  # NaN: not logged


class LossHistory:
    """Training and validation loss over time, with convergence summary.

    Log one entry per step or epoch with :meth:`log` while training, or build the
    history from arrays with :meth:`from_arrays`. Either loss may be missing (None) at
    an entry, for example validation run every few epochs; NaN counts as missing.

    Parameters
    ----------
    patience : int, default=5
        Entries without improvement after which the loss counts as plateaued.
    min_delta : float, default=0.0
        Smallest decrease that counts as an improvement.

    Examples
    --------
    >>> from modelmetrics._report.model_report import LossHistory
    >>> history = LossHistory.from_arrays(
    ...     [0.9, 0.5, 0.3, 0.29, 0.29], [1.0, 0.6, 0.4, 0.45, 0.5],
    ...     timestamps=["2026-11-26T05:00:00Z", "2026-11-26T05:01:00Z",
    ...                 "2026-11-26T05:02:00Z", "2026-11-26T05:03:00Z",
    ...                 "2026-11-26T05:04:00.123456789Z"], patience=2)
    >>> c = history.convergence()
    >>> c.best_loss, c.best_index, c.best_timestamp, c.plateaued
    (0.4, 2, '2026-11-26T05:02:00Z', True)
    >>> history.timestamps[-1]
    '2026-11-26T05:04:00.123456789Z'
    """

    def __init__(self, *, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience: int = check_int("patience", patience, low=1)
        self.min_delta: float = check_real("min_delta", min_delta, low=0.0, finite=True)
        self._losses: list[float | None] = []
        self._validation: list[float | None] = []
        self._stamps: list[Timestamp] = []

    def log(
        self,
        loss: float | None = None,
        validation_loss: float | None = None,
        *,
        timestamp: object = None,
    ) -> LossHistory:
        """Append one entry; `timestamp` defaults to now (nanoseconds, UTC).

        Raises
        ------
        ValueError
            If both losses are missing, or timestamps were left out of earlier entries.
        """
        train = _loss_value(loss, "loss")
        valid = _loss_value(validation_loss, "validation_loss")
        if train is None and valid is None:
            raise ValueError("log() needs a loss, a validation_loss or both")
        if len(self._stamps) != len(self._losses):
            raise ValueError("this history has no timestamps; it was built without them")
        stamp = Timestamp(time.time_ns(), 9) if timestamp is None else parse_timestamp(timestamp)
        self._losses.append(train)
        self._validation.append(valid)
        self._stamps.append(stamp)
        return self

    @classmethod
    def from_arrays(
        cls,
        losses: Iterable[float | None],
        validation_losses: Iterable[float | None] | None = None,
        *,
        timestamps: Iterable[object] | None = None,
        patience: int = 5,
        min_delta: float = 0.0,
    ) -> LossHistory:
        """A history from parallel arrays (`validation_losses` and `timestamps` optional).

        Raises
        ------
        ValueError
            If the arrays differ in length or a value is not a number or timestamp.
        """
        history = cls(patience=patience, min_delta=min_delta)
        train = [_loss_value(v, f"losses[{i}]") for i, v in enumerate(_items(losses))]
        if validation_losses is None:
            valid: list[float | None] = [None] * len(train)
        else:
            valid = [
                _loss_value(v, f"validation_losses[{i}]")
                for i, v in enumerate(_items(validation_losses))
            ]
        if len(valid) != len(train):
            raise ValueError(f"losses has {len(train)} entries, validation_losses has {len(valid)}")
        stamps: list[Timestamp] = []
        if timestamps is not None:
            stamps = [
                parse_timestamp(v, name=f"timestamps[{i}]")
                for i, v in enumerate(_items(timestamps))
            ]
            if len(stamps) != len(train):
                raise ValueError(f"losses has {len(train)} entries, timestamps has {len(stamps)}")
        history._losses, history._validation, history._stamps = train, valid, stamps
        return history

    def __len__(self) -> int:
        return len(self._losses)

    @property
    def losses(self) -> list[float | None]:
        """Training loss per entry (None where not logged)."""
        return list(self._losses)

    @property
    def validation_losses(self) -> list[float | None]:
        """Validation loss per entry (None where not logged)."""
        return list(self._validation)

    @property
    def timestamps(self) -> list[str]:
        """RFC 3339 UTC timestamps per entry (empty when built without them)."""
        return [format_timestamp(s) for s in self._stamps]

    @property
    def timestamps_ns(self) -> list[int]:
        """Timestamps as nanoseconds since the epoch."""
        return [s.ns for s in self._stamps]

    def convergence(self) -> Convergence:
        """Best validation loss and when, and whether the loss has plateaued."""
        monitored, values = "validation", self._validation
        if all(v is None for v in values):
            monitored, values = "training", self._losses
        seen = [(i, v) for i, v in enumerate(values) if v is not None]
        if not seen:
            return Convergence(None, None, None, None, 0, False, self.patience, self.min_delta)
        best_i, best = min(seen, key=lambda item: (item[1], item[0]))
        since = sum(1 for i, _ in seen if i > best_i)
        plateaued = False
        if len(seen) > self.patience:
            before = min(v for _, v in seen[: -self.patience])
            recent = min(v for _, v in seen[-self.patience :])
            plateaued = not recent < before - self.min_delta
        stamp = format_timestamp(self._stamps[best_i]) if self._stamps else None
        return Convergence(
            best, best_i, stamp, monitored, since, plateaued, self.patience, self.min_delta
        )

    def __repr__(self) -> str:
        return f"LossHistory({len(self)} entries, patience={self.patience})"


def _items(values: Iterable[Any]) -> Sequence[Any]:
    if isinstance(values, np.ndarray):
        return list(values.tolist()) if values.dtype.kind != "M" else list(values)
    if isinstance(values, str | bytes):
        raise TypeError("expected a sequence of values, got a string")
    return list(values)
