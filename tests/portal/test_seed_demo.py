"""seed_demo builds a realistic demo city once, and a second run changes nothing (DESIGN §5.4)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from wagtail.models import ModelLogEntry, PageLogEntry, Revision

from personnel.idnumber import parse_id_number
from personnel.models import (
    ACCOUNTABLE_KINDS,
    EmploymentKind,
    Person,
    PersonStatus,
    PostType,
    ReviewerRuleDefaults,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
)
from personnel.selectors import user_roles
from portal.demo import DEMO_PASSWORD, people_plan
from portal.models import HomePage

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "people": Person.objects.count(),
        "users": get_user_model().objects.count(),
        "roles": RoleAssignment.objects.count(),
        "audit": ModelLogEntry.objects.count() + PageLogEntry.objects.count(),
        "revisions": Revision.objects.count(),
    }


def _run_seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo city, seeded twice, once for the whole module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first_output = _run_seed()
        after_first = _counts()
        second_output = _run_seed()
        after_second = _counts()
        yield {
            "first_output": first_output,
            "second_output": second_output,
            "after_first": after_first,
            "after_second": after_second,
        }
        transaction.set_rollback(True)


def _reviewer_figures() -> list[dict]:
    """Per accountable unit: active officers, reviewers and staff, with people of offices rolled up (DESIGN §2)."""
    units = {unit.path: unit for unit in Unit.objects.all()}

    def accountable(unit: Unit) -> Unit:
        path = unit.path
        while units[path].kind not in ACCOUNTABLE_KINDS:
            path = path[: -unit.steplen]
        return units[path]

    counts: Counter = Counter()
    for person in Person.objects.active().select_related("unit"):
        owner = accountable(person.unit)
        counts[owner.code, "staff"] += 1
        counts[owner.code, person.post_type] += 1
    defaults = ReviewerRuleDefaults.load()
    figures = []
    for unit in units.values():
        if unit.kind not in ACCOUNTABLE_KINDS:
            continue
        officers, staff = counts[unit.code, PostType.ENFORCEMENT], counts[unit.code, "staff"]
        required = unit.reviewer_rule(defaults).required(enforcement_officers=officers, staff_active=staff)
        figures.append({"unit": unit, "reviewers": counts[unit.code, PostType.LEGAL_REVIEW], "required": required})
    return figures


def test_seed_demo_builds_a_city_with_departments_districts_and_townships(seeded):
    root = Unit.objects.get(depth=1, name="示例市")
    assert root.kind == UnitKind.REGION
    municipal = Unit.objects.filter(depth=2, kind=UnitKind.DEPARTMENT)
    assert municipal.count() >= 3
    for department in municipal:
        kinds = set(department.get_children().values_list("kind", flat=True))
        assert {UnitKind.OFFICE, UnitKind.AFFILIATED} <= kinds, department.name
        assert department.domain
    districts = Unit.objects.filter(depth=2, kind=UnitKind.REGION)
    assert districts.count() == 2
    for district in districts:
        children = district.get_children()
        assert children.filter(kind=UnitKind.TOWNSHIP).exists(), district.name
        for department in children.filter(kind=UnitKind.DEPARTMENT):
            assert department.get_children().filter(kind=UnitKind.OFFICE).exists(), department.name
    assert set(Unit.objects.filter(kind=UnitKind.TOWNSHIP).values_list("domain", flat=True)) == {"综合执法"}


def test_seed_demo_creates_a_few_hundred_people(seeded):
    assert 300 <= Person.objects.count() <= 500


def test_seed_demo_people_have_a_realistic_mix(seeded):
    people = Person.objects.all()
    posts = Counter(people.values_list("post_type", flat=True))
    assert posts[PostType.ENFORCEMENT] > posts[PostType.LEGAL_REVIEW] + posts[PostType.OTHER]
    assert posts[PostType.LEGAL_REVIEW] >= 10 and posts[PostType.OTHER] >= 10
    statuses = Counter(people.values_list("status", flat=True))
    assert statuses[PersonStatus.ACTIVE] > 0.9 * people.count()
    assert all(statuses[s] >= 1 for s in (PersonStatus.RETIRED, PersonStatus.TRANSFERRED, PersonStatus.LEFT))
    advisers = people.filter(employment_kind=EmploymentKind.EXTERNAL_ADVISER)
    assert advisers.exists()
    assert set(advisers.values_list("post_type", flat=True)) == {PostType.LEGAL_REVIEW}
    assert people.filter(is_public_lawyer=True).exists()
    assert people.filter(post_type=PostType.LEGAL_REVIEW).exclude(legal_qualification_no="").exists()
    today = dt.date.today()
    assert people.filter(appointed_on__year=today.year).exists()
    assert people.filter(appointed_on__year__lt=today.year - 5).exists()
    assert not people.filter(appointed_on__gt=today).exists()
    assert len(set(people.values_list("name", flat=True))) == people.count()


def test_every_demo_id_number_passes_the_check_digit(seeded):
    for id_number, birth_date, gender in Person.objects.values_list("id_number", "birth_date", "gender"):
        info = parse_id_number(id_number)
        assert (info.birth_date, info.gender) == (birth_date, gender)


def test_some_accountable_units_are_short_of_legal_reviewers_and_some_are_not(seeded):
    figures = _reviewer_figures()
    short = [f["unit"].name for f in figures if f["reviewers"] < f["required"]]
    fine = [f["unit"].name for f in figures if f["reviewers"] >= f["required"]]
    assert 3 <= len(short) < len(fine)
    kinds_short = {f["unit"].kind for f in figures if f["reviewers"] < f["required"]}
    assert {UnitKind.DEPARTMENT, UnitKind.AFFILIATED, UnitKind.TOWNSHIP} <= kinds_short


def test_running_seed_demo_twice_creates_nothing_new(seeded):
    assert seeded["after_second"] == seeded["after_first"]
    assert "本次新增 0 个" in seeded["second_output"]
    assert "本次新增 0 名" in seeded["second_output"]


def test_demo_people_do_not_depend_on_the_day_the_seed_runs():
    early = people_plan(today=dt.date(2026, 1, 2))
    late = people_plan(today=dt.date(2027, 12, 30))
    assert [(p.name, p.id_number, p.unit_code) for p in early] == [(p.name, p.id_number, p.unit_code) for p in late]


def test_seed_demo_prints_every_account_with_its_password(seeded):
    output = seeded["first_output"]
    assert "演示账号" in output
    for username in ("admin", "officer", "hr", "head", "authority", "editor"):
        assert f"\n{username} " in output
    assert DEMO_PASSWORD in output


@pytest.mark.parametrize(
    ("username", "role", "scope"),
    [
        ("officer", Role.OFFICER, None),
        ("hr", Role.HR_ADMIN, "和平区"),
        ("head", Role.DEPARTMENT_HEAD, "示例市市场监督管理局"),
        ("authority", Role.ISSUING_AUTHORITY, "示例市"),
        ("editor", Role.CONTENT_EDITOR, "示例市"),
    ],
)
def test_each_demo_account_logs_in_and_holds_its_role(seeded, client, username, role, scope):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = get_user_model().objects.get(username=username)
    assert user_roles(user=user) == {role}
    if scope:
        assert RoleAssignment.objects.get(user=user, role=role).unit.name == scope
    else:
        assert user.person.status == PersonStatus.ACTIVE
    assert client.get("/me/").status_code == 200


def test_demo_admin_is_a_superuser_who_reaches_the_wagtail_admin(seeded, client):
    assert client.login(username="admin", password=DEMO_PASSWORD)
    assert get_user_model().objects.get(username="admin").is_superuser
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "控制面板" in response.content.decode()


def test_demo_home_page_is_published_and_links_only_to_pages_that_exist(seeded, client):
    page = HomePage.objects.get()
    assert page.live and not page.has_unpublished_changes
    assert page.live_revision is not None
    assert PageLogEntry.objects.filter(page=page, action="wagtail.publish").count() == 1
    assert "60 学时" in str(page.body.render_as_block())
    urls = [card["url"] for block in page.body if block.block_type == "cards" for card in block.value]
    assert set(urls) == {"/me/", "/admin/", "/accounts/login/"}
    for url in urls:
        assert client.get(url).status_code in (200, 302)
