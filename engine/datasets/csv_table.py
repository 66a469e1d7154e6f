"""Reading a CSV file into named columns of text cells, with messages that
say where a problem is: ``data.csv row 17, column 'value': 'abc' is not a number``.

Rows are numbered as a spreadsheet shows them (the header is row 1); columns
are named by the header, or numbered from 1 when the file has none. Blank
lines are skipped. The file must be UTF-8 (a byte-order mark is allowed).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DataError
from engine.params import visible

MAX_BYTES = 100_000_000
FLOAT32_MAX = 3.4028234663852886e38
DELIMITERS = {"auto": None, ",": ",", ";": ";", "tab": "\t"}


@dataclass(frozen=True)
class Table:
    file: str  # the name shown in messages
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]  # spreadsheet row of each entry of ``rows``
    has_header: bool

    def where(self, i: int, j: int | None = None) -> str:
        """``data.csv row 17, column 'value'`` for data row ``i``, column ``j``."""
        text = f"{self.file} row {self.row_numbers[i]}"
        return text if j is None else f"{text}, {self.column_label(j)}"

    def column_label(self, j: int) -> str:
        if self.has_header and j < len(self.columns):
            return f"column '{visible(self.columns[j])}'"
        return f"column {j + 1}"

    def column(self, name: str, option: str) -> int:
        """The index of the column ``name`` (a header name, or a number from 1
        without a header); ``option`` names the setting that chose it."""
        if name in self.columns:
            return self.columns.index(name)
        known = ", ".join(f"'{visible(c)}'" for c in self.columns[:12]) + (" …" if len(self.columns) > 12 else "")
        if self.has_header:
            raise DataError(f"{self.file}: no column '{visible(name)}' ({option}); the columns are {known}")
        raise DataError(f"{self.file}: no column '{visible(name)}' ({option}); without a header row, columns are "
                        f"numbered 1 to {len(self.columns)}")

    def number(self, i: int, j: int) -> float:
        """The cell at data row ``i``, column ``j`` as a finite number."""
        row = self.rows[i]
        cell = row[j].strip() if j < len(row) else ""
        if not cell:
            raise DataError(f"{self.where(i, j)}: the cell is empty; every value must be a number")
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{self.where(i, j)}: '{short_cell(cell)}' is not a number") from None
        if not math.isfinite(value):
            raise DataError(f"{self.where(i, j)}: '{short_cell(cell)}' is not a finite number")
        if abs(value) > FLOAT32_MAX:  # would train as infinity (or z-score every value to 0)
            raise DataError(f"{self.where(i, j)}: '{short_cell(cell)}' is too large; the network computes in "
                            "32-bit floats, at most ±3.4e38")
        return value

    def text(self, i: int, j: int) -> str:
        row = self.rows[i]
        cell = row[j].strip() if j < len(row) else ""
        if not cell:
            raise DataError(f"{self.where(i, j)}: the cell is empty")
        return cell


def decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{file}: not UTF-8 at byte {exc.start}; save it as UTF-8") from None


def read_text(path: Path, file: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataError(f"{file}: too large ({size:,} bytes; at most {MAX_BYTES:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    return decode(data, file)


def sniff_delimiter(text: str, choice: str) -> str:
    """The delimiter chosen, or for "auto" the one csv.Sniffer finds (a comma when unsure)."""
    if DELIMITERS.get(choice):
        return DELIMITERS[choice]
    sample = text[:20_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # The Sniffer wants every row to have the same number of cells, so it
        # gives up on ragged sequences (which ragged=pad reads): then take the
        # candidate the first lines hold most often, a comma when none.
        lines = sample.splitlines()[:50]
        counts = {d: sum(line.count(d) for line in lines) for d in ",;\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def parse(text: str, file: str, header: bool, delimiter: str, limit: int | None = None) -> Table:
    """Split ``text`` into a Table (at most ``limit`` data rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    columns: tuple[str, ...] | None = None
    try:
        for number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header and columns is None:
                columns = _header(row, file, number)
                continue
            rows.append(tuple(row))
            numbers.append(number)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise DataError(f"{file} row {reader.line_num}: not valid CSV ({exc})") from None
    if columns is None and not rows:
        raise DataError(f"{file}: is empty")
    if not rows:
        raise DataError(f"{file}: has a header row but no data rows")
    if columns is None:
        columns = tuple(str(j + 1) for j in range(max(len(r) for r in rows)))
    return Table(file, columns, tuple(rows), tuple(numbers), header)


def _header(row: list[str], file: str, number: int) -> tuple[str, ...]:
    names = [cell.strip() for cell in row]
    while names and not names[-1]:
        names.pop()  # trailing separators a spreadsheet adds
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            raise DataError(f"{file} row {number}: column {j + 1} of the header has no name")
        if name in seen:
            raise DataError(f"{file} row {number}: the header names column '{visible(name)}' twice "
                            f"(columns {seen[name] + 1} and {j + 1})")
        seen[name] = j
    return tuple(names)


def short_cell(cell: str) -> str:
    """A cell as a message quotes it: one line (a quoted cell may hold line breaks), at most 30 characters."""
    return visible(cell if len(cell) <= 30 else cell[:27] + "...")
