"""Resident ID numbers (GB 11643-1999): check digit, normalisation, refusals, derived facts."""

from __future__ import annotations

import datetime as dt

import pytest

from personnel.idnumber import InvalidIdNumber, check_character, mask_id_number, normalize_id_number, parse_id_number
from tests.factories import make_id_number


def test_known_valid_number_parses_with_birth_date_and_gender():
    # The worked example of GB 11643-1999 Annex A.
    info = parse_id_number("11010519491231002X")
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"


def test_check_character_follows_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


@pytest.mark.parametrize("sequence,gender", [(1, "M"), (2, "F"), (13, "M"), (998, "F")])
def test_gender_comes_from_the_parity_of_the_sequence_digit(sequence, gender):
    assert parse_id_number(make_id_number(sequence=sequence)).gender == gender


def test_lower_case_x_is_accepted_and_upper_cased():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised():
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert normalize_id_number(f"  {full_width} ") == "11010519491231002X"
    assert parse_id_number(f" {full_width}").number == "11010519491231002X"


def test_wrong_check_digit_is_refused():
    with pytest.raises(InvalidIdNumber, match="身份证号校验位错误"):
        parse_id_number("110105194912310021")


def test_fifteen_digit_legacy_numbers_are_refused_with_a_clear_message():
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number("110105491231002")
    assert str(exc.value) == "不支持15位旧身份证号，请填写18位身份证号"


@pytest.mark.parametrize(
    "birth_part",
    ["19850230", "19851301", "18991231"],
    ids=["february-30", "month-13", "before-1900"],
)
def test_impossible_birth_dates_are_refused(birth_part):
    first17 = f"110105{birth_part}001"
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_number(first17 + check_character(first17))


def test_birth_date_in_the_future_is_refused():
    first17 = "11010520300101001"
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_number(first17 + check_character(first17), today=dt.date(2025, 1, 1))


@pytest.mark.parametrize(
    "raw,message",
    [
        ("", "身份证号不能为空"),
        (None, "身份证号不能为空"),
        ("1101051949123100", "身份证号应为18位，当前为16位"),
        ("11010519491231002XX", "身份证号应为18位，当前为19位"),
        ("1101051949123100AX", "身份证号前17位应为数字，最后一位应为数字或X"),
    ],
)
def test_malformed_numbers_name_the_problem(raw, message):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(raw)
    assert str(exc.value) == message


def test_mask_keeps_the_first_six_and_last_four_characters():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("123") == "***"
