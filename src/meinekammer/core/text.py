"""Cleaning free text that users type into search boxes."""

SEARCH_MAX_LENGTH = 100


def clean_search(value: str, *, max_length: int = SEARCH_MAX_LENGTH) -> str:
    """A search term as the database may see it.

    Control characters (NUL above all, which PostgreSQL refuses in text) never match a name, so
    they become spaces; the term is trimmed and cut to `max_length`.
    """
    printable = "".join(ch if ch.isprintable() else " " for ch in value or "")
    return printable.strip()[:max_length]
