"""Text from files and models, made safe to print: control characters are shown escaped, never sent."""

from __future__ import annotations

import unicodedata

# Categories a terminal may act on or that hide text: controls (ESC, BEL, CR...), format characters
# (bidirectional overrides, zero-width joiners), line/paragraph separators, unassigned and private use.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})


def printable(text: object, keep_newlines: bool = False) -> str:
    """``text`` with every control or format character replaced by its escape (``\\x1b``, ``\\u202e``).

    Printable letters of any script stay as they are; ``keep_newlines`` keeps ``\\n`` for multi-line cells.
    """
    out = []
    for ch in str(text):
        if (ch == "\n" and keep_newlines) or unicodedata.category(ch) not in _UNSAFE_CATEGORIES:
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)
