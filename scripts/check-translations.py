"""Check that the gettext catalogues of meinekammer are complete and sound.

German is the primary language of meinekammer: the source strings (msgids) are
English, but almost every user sees the German translation. A string that is
untranslated, or marked fuzzy (which gettext ignores when compiling), silently
shows English to German users; a translation that drops or misspells a
placeholder either loses information or raises an error while rendering. None
of that shows up in the English tests, so this script checks it explicitly.

The German is formal: users are addressed with "Sie", never with "du".
django-allauth's own German catalogue is informal, so
``src/meinekammer/overrides/locale`` holds a catalogue that replaces allauth's
informal (and a few unwanted) translations; it comes first in ``LOCALE_PATHS``
and therefore wins.

For every ``src/meinekammer/locale/<lang>/LC_MESSAGES/django.po`` and every
``src/meinekammer/overrides/locale/<lang>/LC_MESSAGES/django.po`` it

1. runs ``msgfmt --check --statistics`` (syntax, header and format strings as
   GNU gettext sees them);
2. parses the catalogue and reports every entry that is fuzzy or has an empty
   msgstr (or an empty plural form ``msgstr[n]``); the header entry (empty
   msgid) needs no translation but must not be fuzzy, since msgfmt would then
   drop it together with the charset and plural rule;
3. checks that every placeholder of the msgid also appears in the msgstr, and
   that the msgstr introduces no placeholder the code does not supply:
   named printf placeholders such as ``%(name)s`` or ``%(max)d`` always,
   positional ones such as ``%s`` in entries flagged ``python-format``,
   ``{name}`` in entries flagged ``python-brace-format``, and Django template
   variables ``{{ x }}`` / ``{{x}}`` always. For plural entries ``msgstr[0]`` is
   compared with the msgid and the other forms with ``msgid_plural``;
4. in German catalogues (``de``, ``de_*``) only, reports every msgstr that
   addresses the user informally: one that contains one of the whole words du,
   dich, dir, dein, deine, deinen, deinem, deiner, deines, euch, euer or eure
   (case-insensitive). Placeholders and HTML tags are removed first, so
   ``%(dir)s`` or ``dir="ltr"`` do not count. An informal imperative without
   such a word ("Bitte versuche es später erneut.") is not detected.

Both directories must hold at least one catalogue. Obsolete entries (``#~``)
are ignored. Run it from anywhere with the project's interpreter, e.g.
``.venv/bin/python scripts/check-translations.py``. It prints one line per
problem and exits with status 1, or prints a one-line summary and exits with
status 0. Only the standard library and GNU gettext's msgfmt are
needed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "meinekammer" / "locale"
# Overrides of third-party translations (allauth's informal German); first in LOCALE_PATHS.
OVERRIDES_DIR = ROOT / "src" / "meinekammer" / "overrides" / "locale"
LOCALE_DIRS = [LOCALE_DIR, OVERRIDES_DIR]

# printf-style placeholders as Python's %-operator understands them.
NAMED_PERCENT = re.compile(
    r"%\((?P<name>[^)]*)\)[#0\- +]*(?:\d+)?(?:\.\d+)?[hlL]?[diouxXeEfFgGcrsa]"
)
ANY_PERCENT = re.compile(
    r"%%|%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa]"
)
# str.format placeholders: {}, {0}, {name}, {name.attr}, {name!r}, {name:>10}; "{{" and "}}" are escapes.
BRACE = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
# Django template variables, should one leak into a msgid: {{ x }}, {{x}}, {{ x|filter }}.
TEMPLATE_VAR = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# The informal address ("du" and its forms, plural "euch", "euer", "eure"): German uses "Sie".
INFORMAL = re.compile(
    r"\b(?:du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure)\b", re.IGNORECASE
)
# What is removed from a msgstr before looking for INFORMAL: placeholders and HTML tags.
NOT_PROSE = re.compile(rf"{TEMPLATE_VAR.pattern}|{ANY_PERCENT.pattern}|{BRACE.pattern}|<[^<>]*>")

ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    '"': '"',
    "\\": "\\",
}


@dataclass
class Entry:
    line: int = 0
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


class ParseError(Exception):
    pass


def unquote(token: str, path: Path, lineno: int) -> str:
    token = token.strip()
    if len(token) < 2 or not token.startswith('"') or not token.endswith('"'):
        raise ParseError(f"{path}:{lineno}: expected a quoted string, got {token!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Parse a .po file into entries (obsolete "#~" entries are skipped)."""
    entries: list[Entry] = []
    entry = Entry()
    current: tuple[str, int] | None = None  # which field continuation lines extend
    started = False  # the entry has a msgctxt or msgid
    keyword = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)$")

    def finish() -> None:
        nonlocal entry, current, started
        if started:
            entries.append(entry)
        entry, current, started = Entry(), None, False

    lines = path.read_text(encoding="utf-8").splitlines()
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if line.startswith("#~"):
                continue
            if entry.msgstr:  # a comment after a msgstr opens the next entry
                finish()
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith('"'):
            if current is None:
                raise ParseError(f"{path}:{lineno}: string continuation without a keyword")
            text = unquote(line, path, lineno)
            field_name, field_index = current
            if field_name == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            elif field_name == "msgid":
                entry.msgid += text
            elif field_name == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            else:
                entry.msgstr[field_index] += text
            continue
        match = keyword.match(line)
        if not match:
            raise ParseError(f"{path}:{lineno}: cannot parse {raw!r}")
        name, index, rest = match.group(1), match.group(2), match.group(3)
        text = unquote(rest, path, lineno)
        if name in ("msgctxt", "msgid") and entry.msgstr:
            finish()  # entries not separated by a blank line
        if name == "msgctxt":
            entry.msgctxt, current, started = text, ("msgctxt", 0), True
        elif name == "msgid":
            entry.msgid, entry.line, current, started = text, lineno, ("msgid", 0), True
        elif name == "msgid_plural":
            entry.msgid_plural, current = text, ("msgid_plural", 0)
        else:
            n = int(index) if index is not None else 0
            entry.msgstr[n] = text
            current = ("msgstr", n)
    finish()
    return entries


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """The placeholders in text that must survive translation, with their counts."""
    found: Counter[str] = Counter()
    for m in TEMPLATE_VAR.finditer(text):
        found["{{ " + re.sub(r"\s+", "", m.group(1)) + " }}"] += 1
    if "python-format" in flags:
        for m in ANY_PERCENT.finditer(text):
            if m.group() != "%%":
                found[m.group()] += 1
    else:
        for m in NAMED_PERCENT.finditer(text):
            found[m.group()] += 1
    if "python-brace-format" in flags:
        for m in BRACE.finditer(TEMPLATE_VAR.sub("", text)):
            if m.group() not in ("{{", "}}"):
                found[m.group()] += 1
    return found


def short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "\\n")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def check_entry(path: Path, entry: Entry) -> list[str]:
    where = f"{path.relative_to(ROOT)}:{entry.line}: msgid {short(entry.msgid)}"
    if entry.msgctxt is not None:
        where += f" (context {short(entry.msgctxt)})"
    if entry.is_header:
        if "fuzzy" in entry.flags:
            return [f"{path.relative_to(ROOT)}:{entry.line}: the header entry is marked fuzzy"]
        return []
    problems = []
    if "fuzzy" in entry.flags:
        problems.append(f"{where}: marked fuzzy")
    if not entry.msgstr:
        return [*problems, f"{where}: no msgstr"]
    if entry.msgid_plural is not None:
        sources = {n: (entry.msgid if n == 0 else entry.msgid_plural) for n in entry.msgstr}
        allowed = placeholders(entry.msgid, entry.flags) | placeholders(
            entry.msgid_plural, entry.flags
        )
    else:
        sources = {n: entry.msgid for n in entry.msgstr}
        allowed = placeholders(entry.msgid, entry.flags)
    for n, translation in sorted(entry.msgstr.items()):
        label = f"msgstr[{n}]" if entry.msgid_plural is not None else "msgstr"
        if not translation:
            problems.append(f"{where}: {label} is untranslated")
            continue
        expected = placeholders(sources[n], entry.flags)
        actual = placeholders(translation, entry.flags)
        missing = expected - actual
        unknown = [p for p in actual if p not in allowed]
        if missing:
            problems.append(f"{where}: {label} lacks placeholder(s) {', '.join(sorted(missing))}")
        if unknown:
            problems.append(
                f"{where}: {label} has placeholder(s) not in the msgid: {', '.join(sorted(unknown))}"
            )
    return problems


def is_german(path: Path) -> bool:
    """Whether path is a catalogue <lang>/LC_MESSAGES/django.po for German (de, de_AT, ...)."""
    language = path.parent.parent.name
    return language == "de" or language.startswith(("de_", "de-"))


def check_formal(path: Path, entry: Entry) -> list[str]:
    """Report msgstrs of a German entry that address the user with "du" instead of "Sie"."""
    if entry.is_header:
        return []
    where = f"{path.relative_to(ROOT)}:{entry.line}: msgid {short(entry.msgid)}"
    if entry.msgctxt is not None:
        where += f" (context {short(entry.msgctxt)})"
    problems = []
    for n, translation in sorted(entry.msgstr.items()):
        label = f"msgstr[{n}]" if entry.msgid_plural is not None else "msgstr"
        words = [m.group() for m in INFORMAL.finditer(NOT_PROSE.sub(" ", translation))]
        if words:
            found = ", ".join(dict.fromkeys(words))
            problems.append(f"{where}: {label} addresses the user informally ({found}); use Sie")
    return problems


def run_msgfmt(path: Path) -> list[str]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return ["msgfmt not found: install GNU gettext (e.g. apt-get install gettext)"]
    relative = str(path.relative_to(ROOT))
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [msgfmt, "--check", "--statistics", "-o", os.devnull, relative],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode == 0:
        return []
    output = (result.stderr + result.stdout).strip().splitlines()
    if not output:
        output = [f"exit status {result.returncode}"]
    # msgfmt names the file and line itself in most messages; prefix the others.
    return [
        line if line.startswith(relative + ":") else f"{relative}: msgfmt: {line}"
        for line in output
    ]


def main() -> int:
    catalogues: list[Path] = []
    for locale_dir in LOCALE_DIRS:
        found = sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))
        if not found:
            print(f"translations: no catalogues found under {locale_dir.relative_to(ROOT)}")
            return 1
        catalogues += found
    problems: list[str] = []
    checked = 0
    for path in catalogues:
        problems += run_msgfmt(path)
        try:
            entries = parse_po(path)
        except (ParseError, UnicodeDecodeError) as error:
            problems.append(str(error))
            continue
        seen: set[tuple[str | None, str]] = set()
        for entry in entries:
            key = (entry.msgctxt, entry.msgid)
            if key in seen:
                problems.append(
                    f"{path.relative_to(ROOT)}:{entry.line}: duplicate msgid {short(entry.msgid)}"
                )
            seen.add(key)
            if not entry.is_header:
                checked += 1
            problems += check_entry(path, entry)
            if is_german(path):
                problems += check_formal(path, entry)
    for problem in problems:
        print(problem)
    if problems:
        print(f"translations: {len(problems)} problem(s) in {checked} entries", file=sys.stderr)
        return 1
    print(f"translations: {checked} entries checked, all complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
