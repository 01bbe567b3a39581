"""Written text → the words to say: numbers, clock times and dates read naturally, not digit by digit.

    "I heard 7. Is that right?"           → "I heard seven. Is that right?"
    "Friday, December 10"                  → "Friday the tenth of December"
    "2026-12-10", "7:10", "18:30", "6pm"   → "Thursday the tenth of December", "ten past seven", ...

Decisions: numbers 0-99 are said as words; 1100-2099 as years ("twenty twenty-six"); every other number of
three or more digits digit by digit ("call 988" → "nine eight eight"), because here such numbers are phone
numbers and codes, not quantities. Decimals say "point". All words are data in ``prompts/speech.toml``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from assistant.text import data_file

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CLOCK = re.compile(r"\b([01]?\d|2[0-3])(?::([0-5]\d))?\s*([ap])\.?\s?m\b\.?|\b([01]?\d|2[0-3]):([0-5]\d)\b",
                    re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_DECIMAL = re.compile(r"(?<![\d.])(-?)(\d+)\.(\d+)\b")
_NUMBER = re.compile(r"(?<![\w.])(-?)(\d+)(?![\d])")


@lru_cache(maxsize=1)
def _words() -> dict:
    return data_file("speech.toml")


@lru_cache(maxsize=1)
def _names() -> tuple[list[str], list[str]]:
    dates = data_file("session.toml")["words"]["dates"]
    return [w.capitalize() for w in dates["weekdays"]], [m.capitalize() for m in dates["months"]]


def cardinal(n: int) -> str:
    """0-99 as words; larger numbers digit by digit (see the module docstring)."""
    words = _words()["numbers"]
    if n < 0:
        return f"{words['minus']} {cardinal(-n)}"
    if n < 20:
        return words["ones"][n]
    if n < 100:
        tens, ones = divmod(n, 10)
        if not ones:
            return words["tens"][tens]
        return words["compound"].format(tens=words["tens"][tens], ones=words["ones"][ones])
    return " ".join(words["ones"][int(d)] for d in str(n))


def ordinal(n: int) -> str:
    words = _words()["numbers"]
    if n < 20:
        return words["ordinal_ones"][n]
    tens, ones = divmod(n, 10)
    if not ones:
        return words["ordinal_tens"][tens]
    return words["compound"].format(tens=words["tens"][tens], ones=words["ordinal_ones"][ones])


def year(n: int) -> str:
    words = _words()["numbers"]
    century, rest = divmod(n, 100)
    if 2000 <= n < 2010:
        return words["thousand"] if n == 2000 else words["thousand_and"].format(rest=cardinal(n - 2000))
    if rest == 0:
        return words["year_hundred"].format(century=cardinal(century))
    if rest < 10:
        return words["year_oh"].format(century=cardinal(century), rest=cardinal(rest))
    return f"{cardinal(century)} {cardinal(rest)}"


def number(digits: str) -> str:
    n = int(digits)
    if len(digits) == 4 and 1100 <= n <= 2099:
        return year(n)
    if len(digits) > 1 and digits.startswith("0"):  # a code such as 007: every digit
        return " ".join(cardinal(int(d)) for d in digits)
    return cardinal(n)


def clock(hour: int, minute: int, meridiem: str = "") -> str:
    """7:10 → ten past seven; 7:45 → quarter to eight; 7:23 → seven twenty-three;
    18:30 → half past six in the evening."""
    words = _words()["clock"]
    if meridiem:
        hour = hour % 12 + (12 if meridiem.lower() == "p" else 0)
    if minute == 0 and hour in (0, 12):
        return words["midnight" if hour == 0 else "noon"]
    said_hour, next_hour = cardinal((hour - 1) % 12 + 1), cardinal(hour % 12 + 1)
    if minute == 0:
        text = words["oclock"].format(hour=said_hour)
    elif minute % 5 == 0 and minute <= 30:
        amount = words["quarter"] if minute == 15 else words["half"] if minute == 30 else cardinal(minute)
        text = words["past"].format(minutes=amount, hour=said_hour)
    elif minute % 5 == 0:
        amount = words["quarter"] if minute == 45 else cardinal(60 - minute)
        text = words["to"].format(minutes=amount, hour=next_hour)
    elif minute < 10:
        text = words["oh"].format(hour=said_hour, minutes=cardinal(minute))
    else:
        text = words["plain"].format(hour=said_hour, minutes=cardinal(minute))
    if meridiem or hour >= 13 or hour == 0:  # a 24-hour time or an am/pm says which half of the day
        text += " " + (words["am"] if hour < 12 else words["evening"] if hour >= 18 else words["pm"])
    return text


def date(day: dt.date | None = None, *, month: int = 0, day_of_month: int = 0) -> str:
    weekdays, months = _names()
    words = _words()["dates"]
    if day is not None:
        return words["with_weekday"].format(weekday=weekdays[day.weekday()], day=ordinal(day.day),
                                            month=months[day.month - 1])
    return words["without_weekday"].format(day=ordinal(day_of_month), month=months[month - 1])


@lru_cache(maxsize=1)
def _month_date() -> re.Pattern:
    """"Friday, December 10" / "December 10" / "10 December" (how session.toml [spoken] writes dates)."""
    weekdays, months = _names()
    weekday = "|".join(weekdays)
    month = "|".join(months)
    day = r"(\d{1,2})(?:st|nd|rd|th)?"
    return re.compile(rf"\b(?:({weekday}),?\s+)?(?:({month})\s+{day}|(?:the\s+)?{day}\s+(?:of\s+)?({month}))\b",
                      re.IGNORECASE)


def _said_month_date(match: re.Match) -> str:
    weekdays, months = _names()
    weekday = (match.group(1) or "").capitalize()
    month_name = (match.group(2) or match.group(5)).capitalize()
    day_of_month = int(match.group(3) or match.group(4))
    month = months.index(month_name) + 1
    if not 1 <= day_of_month <= 31:
        return match.group(0)
    if weekday:
        words = _words()["dates"]
        return words["with_weekday"].format(weekday=weekday, day=ordinal(day_of_month), month=month_name)
    return date(month=month, day_of_month=day_of_month)


def _said_iso(match: re.Match) -> str:
    try:
        return date(dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    except ValueError:
        return match.group(0)


def _said_clock(match: re.Match) -> str:
    if match.group(4) is not None:
        return clock(int(match.group(4)), int(match.group(5)))
    hour = int(match.group(1))
    if not 1 <= hour <= 12:
        return match.group(0)
    return clock(hour, int(match.group(2) or 0), match.group(3))


def _said_decimal(match: re.Match) -> str:
    words = _words()["numbers"]
    whole = number(match.group(2))
    said = f"{whole} {words['point']} " + " ".join(cardinal(int(d)) for d in match.group(3))
    return f"{words['minus']} {said}" if match.group(1) else said


def _said_number(match: re.Match) -> str:
    said = number(match.group(2))
    return f"{_words()['numbers']['minus']} {said}" if match.group(1) else said


def for_speech(text: str) -> str:
    """The words to say for ``text``; text without digits or dates comes back unchanged."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ISO_DATE.sub(_said_iso, text)
    text = _month_date().sub(_said_month_date, text)
    text = _CLOCK.sub(_said_clock, text)
    text = _ORDINAL.sub(lambda m: ordinal(int(m.group(1))), text)
    text = _DECIMAL.sub(_said_decimal, text)
    return _NUMBER.sub(_said_number, text)
