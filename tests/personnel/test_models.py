"""Model rules: the reviewer rule (R11), derived person fields, role-assignment constraints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from personnel.models import (
    Person,
    ReviewerBasis,
    ReviewerRule,
    ReviewerRuleDefaults,
    Role,
    RoleAssignment,
    UnitKind,
)
from tests.factories import PersonFactory, UnitFactory, UserFactory, make_id_number


def _rule(**overrides) -> ReviewerRule:
    values = {"basis": ReviewerBasis.ENFORCEMENT_OFFICERS, "percent": Decimal("5"), "minimum": 0}
    values.update(overrides)
    return ReviewerRule(**values)


@pytest.mark.parametrize("officers,required", [(0, 0), (1, 1), (20, 1), (21, 2), (40, 2), (41, 3), (60, 3), (61, 4)])
def test_five_percent_of_officers_rounds_up(officers, required):
    assert _rule().required(enforcement_officers=officers, staff_active=officers + 100) == required


@pytest.mark.parametrize("officers,required", [(0, 1), (10, 1), (20, 1), (21, 2)])
def test_affiliated_unit_minimum_of_one_applies_when_the_ratio_gives_less(officers, required):
    assert _rule(minimum=1).required(enforcement_officers=officers, staff_active=officers) == required


def test_all_staff_basis_counts_every_active_person():
    rule = _rule(basis=ReviewerBasis.ALL_STAFF)
    assert rule.required(enforcement_officers=10, staff_active=41) == 3
    assert rule.required(enforcement_officers=41, staff_active=10) == 1


def test_fractional_percent_is_exact():
    assert _rule(percent=Decimal("2.5")).required(enforcement_officers=40, staff_active=0) == 1
    assert _rule(percent=Decimal("2.5")).required(enforcement_officers=41, staff_active=0) == 2


def test_as_dict_gives_whole_percent_as_an_integer():
    assert _rule(minimum=1).as_dict() == {"basis": "enforcement_officers", "percent": 5, "minimum": 1}
    assert _rule(percent=Decimal("7.5")).as_dict()["percent"] == 7.5


@pytest.mark.django_db
def test_unit_reviewer_rule_uses_defaults_by_kind_and_its_own_overrides():
    defaults = ReviewerRuleDefaults.load()
    affiliated = UnitFactory(kind=UnitKind.AFFILIATED)
    department = UnitFactory(kind=UnitKind.DEPARTMENT)
    overridden = UnitFactory(
        kind=UnitKind.AFFILIATED, reviewer_basis=ReviewerBasis.ALL_STAFF, reviewer_percent=Decimal("10"), reviewer_minimum=0
    )
    assert affiliated.reviewer_rule(defaults) == ReviewerRule("enforcement_officers", Decimal("5"), 1)
    assert department.reviewer_rule(defaults) == ReviewerRule("enforcement_officers", Decimal("5"), 0)
    assert overridden.reviewer_rule(defaults) == ReviewerRule("all_staff", Decimal("10"), 0)


@pytest.mark.django_db
def test_person_save_derives_gender_and_birth_date_from_the_id_number():
    person = PersonFactory(id_number=make_id_number(birth=dt.date(1990, 2, 28), sequence=4))
    person.refresh_from_db()
    assert (person.gender, person.birth_date) == ("F", dt.date(1990, 2, 28))
    assert person.masked_id_number == person.id_number[:6] + "********" + person.id_number[-4:]


@pytest.mark.django_db
def test_person_clean_reports_a_bad_id_number_on_its_field():
    person = Person(name="测试", id_number="120101198506150012", unit=UnitFactory(), post_type="enforcement")
    with pytest.raises(ValidationError) as exc:
        person.clean()
    assert exc.value.message_dict["id_number"] == ["身份证号校验位错误"]


@pytest.mark.django_db
def test_a_scoped_role_without_a_unit_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=UserFactory(), role=Role.HR_ADMIN, unit=None)


@pytest.mark.django_db
def test_role_assignment_reads_as_role_and_unit():
    unit = UnitFactory(name="东区")
    assert str(RoleAssignment(user=UserFactory(), role=Role.HR_ADMIN, unit=unit)) == "单位人事管理员 · 东区"
    assert str(RoleAssignment(user=UserFactory(), role=Role.OFFICER)) == "执法人员"
