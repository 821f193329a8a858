r"""Names: how a text cell is normalised before matching, and which names are refused.

Two names that look the same must be the same name, or an offer silently misses its demand.
`normalise_name` writes every name one way: Unicode NFC, zero-width characters removed
(U+200B..U+200D, U+2060, U+FEFF), every run of spaces (tab, line breaks, no-break and other
Unicode spaces) made one space, and no space at either end. `name_problem` refuses what
normalising cannot make safe: control and format characters (``"\x00"``, ``"\x0b"``, a
right-to-left mark), which no workbook can hold, and Latin letters mixed with Cyrillic or
Greek look-alikes (``"NdPr оxide"`` with a Cyrillic ``о``), which match nothing. A name wholly
in another script (``"住友金属鉱山"``, ``"Норникель"``) is a valid name.
Callers apply both once per distinct value of a column, not once per row, and
`already_names` answers for a whole column's values at once in the common case (plain
printable ASCII, already written as names are), where both would leave every value as it is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import cast

__all__ = ["already_names", "char_name", "name_problem", "normalise_name"]

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_DROP_ZERO_WIDTH = str.maketrans("", "", _ZERO_WIDTH)
#: Control characters that count as spaces: tab, line feed, carriage return.
_SPACE_CONTROLS = "\t\n\r"
_SPACES = re.compile(
    r"[\t\n\r\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)

# Cyrillic and Greek letters that look like a Latin letter, and that letter.
_LOOKALIKES = dict(
    zip(
        "аеорсухіјѕԁһԛԝүАВЕКМНОРСТХУІЈЅԌΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρυχ",
        "aeorcyxijsdhqwyABEKMHOPCTXYIJSGABEZHIKMNOPTYXoikvpux",
        strict=True,
    )
)
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_CYRILLIC_OR_GREEK = re.compile(
    "[\u0370-\u052f\u1c80-\u1c8f\u1f00-\u1fff\u2de0-\u2dff\ua640-\ua69f]"
)
# unicodedata has no names for the C0 controls; these are their Unicode aliases.
_C0 = (
    "NULL,START OF HEADING,START OF TEXT,END OF TEXT,END OF TRANSMISSION,ENQUIRY,ACKNOWLEDGE,"
    "ALERT,BACKSPACE,CHARACTER TABULATION,LINE FEED,LINE TABULATION,FORM FEED,CARRIAGE RETURN,"
    "SHIFT OUT,SHIFT IN,DATA LINK ESCAPE,DEVICE CONTROL ONE,DEVICE CONTROL TWO,"
    "DEVICE CONTROL THREE,DEVICE CONTROL FOUR,NEGATIVE ACKNOWLEDGE,SYNCHRONOUS IDLE,"
    "END OF TRANSMISSION BLOCK,CANCEL,END OF MEDIUM,SUBSTITUTE,ESCAPE,INFORMATION SEPARATOR FOUR,"
    "INFORMATION SEPARATOR THREE,INFORMATION SEPARATOR TWO,INFORMATION SEPARATOR ONE"
).split(",")


def char_name(ch: str) -> str:
    """``"U+043E CYRILLIC SMALL LETTER O"``: a character as a person can look it up."""
    code = ord(ch)
    if code < len(_C0):
        name = _C0[code]
    else:
        name = unicodedata.name(ch, "DELETE" if code == 0x7F else "CONTROL CHARACTER")
    return f"U+{code:04X} {name}"


def normalise_name(text: str) -> str:
    r"""``text`` written the one way names are compared (may be ``""``).

    Examples
    --------
    >>> normalise_name(" NdPr\u00a0\u00a0oxide\u200b ")
    'NdPr oxide'
    >>> normalise_name("Pra\u0308seodym") == "Pr\u00e4seodym"
    True
    """
    if text.isascii():
        if text.isprintable():
            return " ".join(text.split()) if "  " in text else text.strip(" ")
        return _SPACES.sub(" ", text).strip(" ")
    text = unicodedata.normalize("NFC", text.translate(_DROP_ZERO_WIDTH))
    return _SPACES.sub(" ", text).strip(" ")


def already_names(values: list[object]) -> bool:
    r"""Whether every value is text that `normalise_name` keeps and `name_problem` accepts.

    True only for non-empty ``str`` values of printable ASCII with no space at either end
    and no two spaces together: for each of them ``normalise_name(v) == v`` and
    ``name_problem(v) is None``. Checked on the joined text, so that a column of many
    distinct names costs a few passes over its characters instead of a call per name. False
    says nothing about any one value (check it with the two functions).

    Examples
    --------
    >>> already_names(["Lynas", "NdPr oxide", "MP Materials"])
    True
    >>> already_names(["Lynas", "NdPr  oxide"]), already_names(["Lynas "]), already_names([""])
    (False, False, False)
    >>> already_names(["Lynas", 101]), already_names(["Nd\u00a0oxide"])
    (False, False)
    """
    if set(map(type, values)) - {str} or "" in values:
        return False
    text = cast("list[str]", values)
    whole = "".join(text)
    if not (whole.isascii() and whole.isprintable()):
        return False
    joined = "\n".join(text)  # "\n" appears only between values now
    return not (
        joined.startswith(" ")
        or joined.endswith(" ")
        or any(pair in joined for pair in ("  ", " \n", "\n "))
    )


def name_problem(text: str) -> tuple[str, str] | None:
    r"""``(rule, hint)`` if the normalised name ``text`` cannot be used, else ``None``.

    Examples
    --------
    >>> name_problem("NdPr oxide") is None, name_problem("住友金属鉱山") is None
    (True, True)
    >>> name_problem("Nd\x00Pr")[0]
    'contains the control character U+0000 NULL'
    >>> name_problem("NdPr \u043exide")
    ('mixes Latin letters with U+043E CYRILLIC SMALL LETTER O', "did you mean 'NdPr oxide'?")
    """
    if text.isascii():
        if text.isprintable():
            return None
        bad = next(ch for ch in text if not ch.isprintable() and ch not in _SPACE_CONTROLS)
        return f"contains the control character {char_name(bad)}", "delete it from the cell"
    for ch in text if not text.isprintable() else ():
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs") and ch not in _SPACE_CONTROLS:
            word = "control" if category == "Cc" else "invisible"
            return f"contains the {word} character {char_name(ch)}", "delete it from the cell"
    return _mixed_scripts(text) if _CYRILLIC_OR_GREEK.search(text) else None


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "LATIN"
    first = unicodedata.name(ch, "").split(" ", 1)[0]
    return first if first in _SCRIPTS else None


def _mixed_scripts(text: str) -> tuple[str, str] | None:
    """Latin letters beside Cyrillic or Greek look-alikes, in one word or in the whole name.

    A word (letters and digits) that mixes Latin with Cyrillic or Greek letters is refused;
    so is a name with Latin letters whose every Cyrillic or Greek letter imitates a Latin one.
    """
    scripts = [_script(ch) for ch in text]
    if "LATIN" not in scripts or not {"CYRILLIC", "GREEK"} & set(scripts):
        return None
    foreign = [i for i, s in enumerate(scripts) if s in ("CYRILLIC", "GREEK")]
    suspect: int | None = None
    if all(text[i] in _LOOKALIKES for i in foreign):
        suspect = foreign[0]
    else:
        for word in re.finditer(r"\w+", text):
            found = set(scripts[word.start() : word.end()])
            if "LATIN" in found and {"CYRILLIC", "GREEK"} & found:
                suspect = next(i for i in range(word.start(), word.end()) if i in foreign)
                break
    if suspect is None:
        return None
    rule = f"mixes Latin letters with {char_name(text[suspect])}"
    latin = "".join(_LOOKALIKES.get(ch, ch) if i in foreign else ch for i, ch in enumerate(text))
    if all(_script(ch) in ("LATIN", None) for ch in latin):
        return rule, f"did you mean {latin!r}?"
    return rule, "write the name in one script"
