"""Resident identity numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd for men, even for women) and a check character computed with ISO 7064 MOD 11-2.
The 15-digit numbers issued before 1999 carry no check digit and are refused: the
register keeps only numbers that can be verified.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class InvalidIdNumber(ValueError):
    """Raised with a Chinese message that says what is wrong with the number."""


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"


def normalize_id_number(raw: object) -> str:
    """Trim, fold full-width characters (NFKC) and upper-case the trailing x."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw)).strip().upper()
    return text.replace(" ", "")


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate a number and return it normalised, with the birth date and gender it encodes."""
    number = normalize_id_number(raw)
    if not number:
        raise InvalidIdNumber(_("身份证号不能为空"))
    if len(number) == 15 and number.isdigit():
        raise InvalidIdNumber(_("不支持15位旧身份证号，请填写18位身份证号"))
    if len(number) != 18:
        raise InvalidIdNumber(_("身份证号应为18位，当前为%(length)d位") % {"length": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(_("身份证号前17位应为数字，最后一位应为数字或X"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("身份证号中的出生日期无效")) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise InvalidIdNumber(_("身份证号中的出生日期无效"))
    expected = check_character(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(_("身份证号校验位错误"))
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, birth_date=birth, gender=gender)


def mask_id_number(number: str) -> str:
    """Show the first 6 and last 4 characters only (R17)."""
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"
