"""Path converters: ids in URLs are at most 18 digits (a 64-bit primary key).

A longer number is no id of ours: the URL does not match (404) instead of reaching the
database, where SQLite would overflow.
"""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
