"""Cells of a table read as Arrow columns (fastexcel), judged a whole column at a time with numpy.

`validation.UsualRows` checks the usual prefilled Budget row on python-calamine's values, cell by
cell. On a large budget that is most of validation's time, and making the Python rows it reads
costs nearly as much again (100,000 lines: 170 ms). Where fastexcel read the table, the same
readings run here over whole columns: an amount column to whole öre, a text column against the
codes issued, and a key or comment column by its few distinct spellings, each read once.

Each reading says which cells it read the quick way (`plain`); `UsualRows` leaves every other row
to its row-wise check, so its answers stay exactly the row-wise ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

# Below it a float of at most two decimals has at most 15 digits: no two such amounts read as the same float.
FAST_FLOAT_LIMIT = 1e13
TEXT_TYPES = (pa.string(), pa.large_string())


@dataclass(frozen=True)
class OreColumn:
    """An amount column in whole öre, as `validation._plain_ore` reads each cell."""

    ore: np.ndarray  # int64: the amount in öre; 0 where empty or not plain
    empty: np.ndarray  # bool: the cell is empty
    plain: np.ndarray  # bool: empty, or a float of at most two decimals below FAST_FLOAT_LIMIT


def ore_column(column: pa.Array) -> OreColumn | None:
    """Read an amount column in whole öre; None when it holds other than numbers and empty cells.

    As `_plain_ore`: x reads as n öre when n = round(100 x) (half to even, as Python's round)
    and n / 100 is x again. Both divisions are IEEE's, of the same two exact numbers.
    """
    height = len(column)
    if column.type == pa.null():
        return OreColumn(np.zeros(height, np.int64), np.ones(height, bool), np.ones(height, bool))
    if column.type != pa.float64():
        return None
    empty = column.is_null().to_numpy(zero_copy_only=False)
    values = np.where(empty, 0.0, column.to_numpy(zero_copy_only=False))
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.rint(values * 100)
        plain = (np.abs(values) < FAST_FLOAT_LIMIT) & (scaled / 100 == values)
    return OreColumn(np.where(plain, scaled, 0).astype(np.int64), empty, plain | empty)


def equal_text(column: pa.Array, expected: list[str | None]) -> np.ndarray:
    """Say for each cell whether it holds exactly the text expected there (never an empty cell or a number).

    By the column's few distinct texts: the expected texts are a list of the issued codes, no Arrow
    array of its own (on 100,000 rows that weighed 6 MB more at the read's peak).
    """
    if column.type not in TEXT_TYPES:
        return np.zeros(len(column), bool)
    encoded = column.dictionary_encode()
    position = {text: at for at, text in enumerate(encoded.dictionary.to_pylist())}
    wanted = np.fromiter((position.get(text, -1) for text in expected), np.int64, len(expected))
    return encoded.indices.fill_null(-2).to_numpy(zero_copy_only=False) == wanted


@dataclass(frozen=True)
class Spellings:
    """A text column read by its distinct texts: each cell's answer is `answers[indices[cell]]`."""

    indices: np.ndarray
    answers: list  # the reading of each distinct text, and of an empty cell last

    def where(self, test: Callable[[Any], bool]) -> np.ndarray:
        """Say for each cell whether its answer passes `test`, asked once per answer."""
        return np.array([bool(test(answer)) for answer in self.answers], bool)[self.indices]

    def of_cells(self, at: np.ndarray) -> list:
        """Return the answers of the cells at these offsets."""
        return list(map(self.answers.__getitem__, self.indices[at].tolist()))


def read_spellings(column: pa.Array, read: Callable[[Any], Any]) -> Spellings | None:
    """Read each distinct text of a text column once ("" for an empty cell, as python-calamine gives it);
    None when the column holds other than text and empty cells."""
    if column.type == pa.null():
        return Spellings(np.zeros(len(column), np.intp), [read("")])
    if column.type not in TEXT_TYPES:
        return None
    encoded = column.dictionary_encode()
    answers = [*map(read, encoded.dictionary.to_pylist()), read("")]
    return Spellings(encoded.indices.fill_null(len(answers) - 1).to_numpy(zero_copy_only=False), answers)
