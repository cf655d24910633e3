"""Normalization for matching company data: case, spacing, umlauts, legal-form noise."""

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Legal forms and filler words that say nothing about which company is meant.
_NOISE = {
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "gbr",
    "ug",
    "haftungsbeschraenkt",
    "co",
    "und",
    "e",
    "k",
    "ek",
    "ev",
    "eg",
    "se",
    "kgaa",
    "partg",
    "mbb",
    "inh",
    "inhaber",
    "gesellschaft",
    "mit",
    "beschraenkter",
    "haftung",
    "der",
    "die",
    "das",
}


def fold(value: str) -> str:
    """Lower case, umlauts spelled out, accents dropped, one space between words."""
    value = unicodedata.normalize("NFKC", value or "").casefold().translate(_UMLAUTS)
    value = "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    )
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


def normalize_name(value: str) -> str:
    """A company name reduced to the words that identify it."""
    words = [w for w in fold(value).split() if w not in _NOISE]
    return " ".join(words) or fold(value)


def normalize_register_number(value: str) -> str:
    """ "HRB 12345", "hrb12345", "HR B 12.345" → "HRB12345"."""
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


def normalize_member_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "")
