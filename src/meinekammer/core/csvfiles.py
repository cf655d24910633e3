"""CSV files people upload and download: their encoding, their delimiter, formula cells.

Spreadsheets write CSV in several ways: "CSV UTF-8" (with a byte order mark), plain UTF-8,
"CSV (Trennzeichen-getrennt)" in Windows-1252 on a German Windows, "Unicode-Text" (UTF-16 with
tabs); the delimiter is `;` in German locales and `,` elsewhere. The chamber's directory import
(chambers/directory.py) streams large files and reads only the header through here; uploads
that fit in memory (the bulk invitations) are decoded as a whole by `decode_upload`.

A cell that starts with one of FORMULA_STARTS is a formula to a spreadsheet (CSV injection,
OWASP): a download neutralises it (`csv_cell`), an upload refuses it (`is_formula`).
"""

import csv
from collections.abc import Callable, Sequence

DELIMITERS = (";", ",", "\t")
# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class NotText(ValueError):
    """The bytes are no text file in any of the encodings spreadsheets write."""


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 with or without a byte order mark, UTF-16 with one,
    else Windows-1252 (which a German Excel writes). A NUL character means a binary file."""
    try:
        if data.startswith(UTF8_BOM):
            text = data[len(UTF8_BOM) :].decode("utf-8")
        elif data.startswith(UTF16_BOMS):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise NotText(str(error)) from error
    if "\x00" in text:
        raise NotText("the file contains NUL characters")
    return text


def split_header(
    line: str, accepts: Callable[[list[str]], bool], delimiters: Sequence[str] = DELIMITERS
) -> tuple[str, list[str]] | None:
    """The delimiter and the column names (trimmed, lower case) of a header line: the first of
    `delimiters` whose names `accepts` takes; None if none does."""
    line = line.removeprefix("\ufeff")  # a text stream opened by the caller keeps the BOM
    for delimiter in delimiters:
        names = [name.strip().lower() for name in next(csv.reader([line], delimiter=delimiter))]
        if accepts(names):
            return delimiter, names
    return None


def is_formula(value: str) -> bool:
    """A spreadsheet would run this cell as a formula (also after leading blanks)."""
    return value.startswith(FORMULA_STARTS) or value.strip().startswith(FORMULA_STARTS)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted away."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
