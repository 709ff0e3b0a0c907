"""The personnel register in the Wagtail admin: listings, forms, exports, audit entries (R16, R17)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from personnel.idnumber import mask_id_number
from personnel.models import Person, PersonStatus, PostType, Role, RoleAssignment, Unit, UnitKind
from personnel.services import role_assign
from tests.factories import PersonFactory, UnitFactory, UserFactory, make_id_number

User = get_user_model()


def _logs(obj, action=None):
    entries = ModelLogEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
    return entries.filter(action=action) if action else entries


def _person_post(person=None, **overrides):
    data = {
        "name": person.name if person else "新同志",
        "id_number": person.id_number if person else make_id_number(sequence=501),
        "unit": person.unit_id if person else None,
        "post_type": person.post_type if person else PostType.ENFORCEMENT,
        "status": person.status if person else PersonStatus.ACTIVE,
        "employment_kind": person.employment_kind if person else "established",
        "appointed_on": "",
        "legal_qualification_no": "",
        "phone": "",
        "title": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _export_rows(response) -> list[tuple]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(BytesIO(body)).active.iter_rows(values_only=True))


# ---------------------------------------------------------------------------------------------
# Person index
# ---------------------------------------------------------------------------------------------


def test_person_index_shows_the_register_columns(client, city, east_hr):
    PersonFactory(unit=city["east_dept"], name="赵六", appointed_on=dt.date(2021, 3, 1), post_type=PostType.LEGAL_REVIEW)
    client.force_login(east_hr)
    response = client.get(reverse("personnel_people:index"))
    body = response.content.decode()
    headings = [str(column.label) for column in response.context["view"].columns]
    assert headings == ["姓名", "身份证号", "单位", "岗位类别", "人员状态", "任职日期"]
    assert "赵六" in body and "东区市场监管局" in body and "法制审核" in body and "在岗" in body


def test_hr_admin_sees_full_id_numbers_and_department_head_sees_them_masked(client, city, east_hr, east_head):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    assert person.id_number in client.get(reverse("personnel_people:index")).content.decode()
    client.force_login(east_head)
    body = client.get(reverse("personnel_people:index")).content.decode()
    assert person.id_number not in body
    assert mask_id_number(person.id_number) in body


def test_department_head_inspect_page_masks_id_number_phone_and_birth_date(client, city, east_head):
    person = PersonFactory(unit=city["east_dept"], phone="13812345678")
    client.force_login(east_head)
    body = client.get(reverse("personnel_people:inspect", args=(person.pk,))).content.decode()
    assert person.id_number not in body and "13812345678" not in body
    assert mask_id_number(person.id_number) in body and "138****5678" in body
    assert f"{person.birth_date.year}年" in body


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"post_type": "legal_review"}, {"审核员"}),
        ({"status": "retired"}, {"退休者"}),
        ({"employment_kind": "external_adviser"}, {"顾问"}),
        ({"unit": "east_dept"}, {"审核员", "退休者", "顾问"}),
        ({"unit": "east_town"}, {"街道员"}),
    ],
)
def test_person_index_filters(client, city, east_hr, params, expected):
    PersonFactory(unit=city["east_dept"], name="审核员", post_type=PostType.LEGAL_REVIEW)
    PersonFactory(unit=city["east_office"], name="退休者", status=PersonStatus.RETIRED)
    PersonFactory(unit=city["east_office"], name="顾问", employment_kind="external_adviser")
    PersonFactory(unit=city["east_town"], name="街道员")
    if "unit" in params:
        params = {"unit": city[params["unit"]].pk}
    client.force_login(east_hr)
    response = client.get(reverse("personnel_people:index_results"), params)
    assert {person.name for person in response.context["object_list"]} == expected


@pytest.mark.parametrize("query", ["王小明", "120101", "full_id"])
def test_person_index_search_by_name_or_id_number(client, city, east_hr, query):
    target = PersonFactory(unit=city["east_dept"], name="王小明")
    PersonFactory(unit=city["east_dept"], name="李大红", id_number=make_id_number(region="310101", sequence=9))
    client.force_login(east_hr)
    query = target.id_number.lower() if query == "full_id" else query
    response = client.get(reverse("personnel_people:index_results"), {"q": query})
    names = {person.name for person in response.context["object_list"]}
    if query == "120101":
        assert names == set()  # an ID number is matched whole, never by a fragment (R17)
    else:
        assert names == {"王小明"}


def test_person_index_paginates_by_fifty(client, city, east_hr):
    PersonFactory.create_batch(55, unit=city["east_dept"])
    client.force_login(east_hr)
    first = client.get(reverse("personnel_people:index"))
    second = client.get(reverse("personnel_people:index"), {"p": 2})
    assert len(first.context["object_list"]) == 50
    assert len(second.context["object_list"]) == 5


@pytest.mark.parametrize("size", [5, 50])
def test_person_index_query_count_does_not_grow_with_the_page(client, city, east_hr, size, django_assert_max_num_queries):
    PersonFactory.create_batch(size, unit=city["east_office"])
    client.force_login(east_hr)
    client.get(reverse("personnel_people:index"))
    with django_assert_max_num_queries(13):
        response = client.get(reverse("personnel_people:index"))
    assert len(response.context["object_list"]) == size


def test_person_index_costs_the_same_queries_for_5_and_50_people(client, city, east_hr):
    client.force_login(east_hr)
    counts = []
    for batch in (5, 45):
        PersonFactory.create_batch(batch, unit=city["east_dept"])
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("personnel_people:index"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_person_index_results_query_count(client, city, east_hr, django_assert_max_num_queries):
    PersonFactory.create_batch(30, unit=city["east_dept"])
    client.force_login(east_hr)
    with django_assert_max_num_queries(10):
        client.get(reverse("personnel_people:index_results"), {"q": "张"})


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def test_person_export_uses_the_import_headers_and_neutralises_formulas(client, city, east_hr):
    PersonFactory(unit=city["east_dept"], name="=HYPERLINK(\"http://x\")", phone="+8613800000000", title="@SUM(A1)")
    client.force_login(east_hr)
    rows = _export_rows(client.get(reverse("personnel_people:index"), {"export": "xlsx"}))
    header, row = rows[0], rows[1]
    assert header[:3] == ("姓名", "身份证号", "单位编码")
    record = dict(zip(header, row))
    assert record["姓名"] == "'=HYPERLINK(\"http://x\")"
    assert record["手机号"] == "'+8613800000000"
    assert record["职务"] == "'@SUM(A1)"
    assert record["单位编码"] == city["east_dept"].code


@pytest.mark.parametrize("value", ["-1+2", "\tcmd", "\r=1"])
def test_csv_export_prefixes_every_formula_start(client, city, east_hr, value):
    PersonFactory(unit=city["east_dept"], title=value)
    client.force_login(east_hr)
    response = client.get(reverse("personnel_people:index"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff姓名,身份证号")
    assert "'" + value.replace("\r", "") in text.replace("\r\n", "\n").replace("\r", "")


def test_department_head_export_masks_id_numbers(client, city, east_head):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_head)
    rows = _export_rows(client.get(reverse("personnel_people:index"), {"export": "xlsx"}))
    assert rows[1][1] == mask_id_number(person.id_number)


def test_export_query_count_does_not_grow_with_rows(client, city, east_hr, django_assert_max_num_queries):
    PersonFactory.create_batch(120, unit=city["east_dept"])
    client.force_login(east_hr)
    with django_assert_max_num_queries(12):
        rows = _export_rows(client.get(reverse("personnel_people:index"), {"export": "xlsx"}))
    assert len(rows) == 121


# ---------------------------------------------------------------------------------------------
# Person create / edit / delete / account
# ---------------------------------------------------------------------------------------------


def test_create_person_goes_through_the_service_with_one_audit_entry(client, city, east_hr):
    client.force_login(east_hr)
    response = client.post(reverse("personnel_people:add"), _person_post(unit=city["east_office"].pk, name="新同志"))
    assert response.status_code == 302
    person = Person.objects.get(name="新同志")
    assert person.gender == "M" and person.birth_date == dt.date(1985, 6, 15)
    entries = list(_logs(person))
    assert [(entry.action, entry.user_id) for entry in entries] == [("wagtail.create", east_hr.pk)]


def test_unit_choices_on_the_person_form_are_the_users_units(client, city, east_hr):
    client.force_login(east_hr)
    form = client.get(reverse("personnel_people:add")).context["form"]
    assert set(form.fields["unit"].queryset) == {
        Unit.objects.get(pk=city[key].pk) for key in ("east", "east_dept", "east_office", "east_town")
    }


@pytest.mark.parametrize(
    "id_number,message",
    [
        ("120101198506150012", "身份证号校验位错误"),
        ("120101850615001", "不支持15位旧身份证号，请填写18位身份证号"),
        ("120101198502300010", "身份证号中的出生日期无效"),
        ("12010119850615", "身份证号应为18位，当前为14位"),
    ],
)
def test_create_person_refuses_bad_id_numbers_with_the_chinese_message(client, city, east_hr, id_number, message):
    client.force_login(east_hr)
    response = client.post(reverse("personnel_people:add"), _person_post(unit=city["east_dept"].pk, id_number=id_number))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [message]
    assert not Person.objects.exists()


def test_create_person_normalises_full_width_digits_and_lower_case_x(client, city, east_hr):
    number = next(make_id_number(sequence=seq) for seq in range(1, 200) if make_id_number(sequence=seq).endswith("X"))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in number)
    client.force_login(east_hr)
    client.post(reverse("personnel_people:add"), _person_post(unit=city["east_dept"].pk, id_number=f" {full_width} "))
    assert Person.objects.get().id_number == number


def test_create_person_with_a_registered_id_number_shows_the_service_message(client, city, east_hr, west_hr):
    existing = PersonFactory(unit=city["west_dept"])
    client.force_login(east_hr)
    response = client.post(reverse("personnel_people:add"), _person_post(unit=city["east_dept"].pk, id_number=existing.id_number))
    assert response.context["form"].errors["id_number"] == ["身份证号已登记"]
    assert Person.objects.count() == 1


def test_edit_person_writes_exactly_one_audit_entry_with_the_changed_fields(client, city, east_hr):
    person = PersonFactory(unit=city["east_dept"], post_type=PostType.ENFORCEMENT, title="科员")
    client.force_login(east_hr)
    response = client.post(
        reverse("personnel_people:edit", args=(person.pk,)),
        _person_post(person, post_type=PostType.LEGAL_REVIEW, title="副科长", unit=city["east_office"].pk),
    )
    assert response.status_code == 302
    entries = list(_logs(person))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "wagtail.edit" and entry.user_id == east_hr.pk
    assert entry.data["changes"] == {
        "post_type": ["enforcement", "legal_review"],
        "title": ["科员", "副科长"],
        "unit": [city["east_dept"].code, city["east_office"].code],
    }


def test_saving_an_unchanged_person_writes_no_audit_entry(client, city, east_hr):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    client.post(reverse("personnel_people:edit", args=(person.pk,)), _person_post(person))
    assert not _logs(person).exists()


def test_history_page_shows_the_edit_with_its_author_and_changes(client, city, east_hr, west_hr):
    person = PersonFactory(unit=city["east_dept"], post_type=PostType.ENFORCEMENT)
    client.force_login(east_hr)
    client.post(reverse("personnel_people:edit", args=(person.pk,)), _person_post(person, post_type=PostType.LEGAL_REVIEW))
    body = client.get(reverse("personnel_people:history", args=(person.pk,))).content.decode()
    assert "east_hr" in body
    assert "岗位类别：执法 → 法制审核" in body
    client.force_login(west_hr)
    assert client.get(reverse("personnel_people:history", args=(person.pk,))).status_code == 404


def test_history_query_count_is_bounded(client, city, east_hr, django_assert_max_num_queries):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    for title in ("科员", "副科长", "科长", "副处长"):
        client.post(reverse("personnel_people:edit", args=(person.pk,)), _person_post(person, title=title))
    with django_assert_max_num_queries(16):
        client.get(reverse("personnel_people:history", args=(person.pk,)))


def test_hr_admin_cannot_delete_a_person_and_sees_no_delete_button(client, city, east_hr):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    body = client.get(reverse("personnel_people:edit", args=(person.pk,))).content.decode()
    assert reverse("personnel_people:delete", args=(person.pk,)) not in body


def test_superuser_deletes_a_person_through_the_service(client, city, superuser):
    person = PersonFactory(unit=city["east_dept"])
    pk = person.pk
    client.force_login(superuser)
    response = client.post(reverse("personnel_people:delete", args=(pk,)))
    assert response.status_code == 302
    assert not Person.objects.filter(pk=pk).exists()
    deletions = ModelLogEntry.objects.filter(object_id=str(pk), action="wagtail.delete", content_type__model="person")
    assert [entry.user_id for entry in deletions] == [superuser.pk]


def test_hr_admin_opens_a_login_account_for_a_person(client, city, east_hr):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    edit_page = client.get(reverse("personnel_people:edit", args=(person.pk,))).content.decode()
    assert reverse("personnel_people:link_account", args=(person.pk,)) in edit_page
    response = client.post(
        reverse("personnel_people:link_account", args=(person.pk,)),
        {"username": "zhang_officer", "password": "Zhifa-2025-pass", "password_confirm": "Zhifa-2025-pass"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    account = User.objects.get(username="zhang_officer")
    assert person.user == account
    assert account.check_password("Zhifa-2025-pass")
    assert RoleAssignment.objects.filter(user=account, role=Role.OFFICER).exists()
    assert account.groups.filter(name="执法人员").exists()
    assert _logs(person, "personnel.link_user").get().user_id == east_hr.pk
    edit_page = client.get(reverse("personnel_people:edit", args=(person.pk,))).content.decode()
    assert reverse("personnel_people:link_account", args=(person.pk,)) not in edit_page


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"username": "taken", "password": "Zhifa-2025-pass", "password_confirm": "Zhifa-2025-pass"}, "username", "该用户名已被使用"),
        ({"username": "new_one", "password": "Zhifa-2025-pass", "password_confirm": "other-2025-pass"}, "password_confirm", "两次输入的密码不一致"),
    ],
)
def test_account_form_refusals_are_shown_and_create_nothing(client, city, east_hr, data, field, message):
    UserFactory(username="taken")
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    response = client.post(reverse("personnel_people:link_account", args=(person.pk,)), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    person.refresh_from_db()
    assert person.user_id is None
    assert not User.objects.filter(username="new_one").exists()


def test_weak_password_is_refused_with_a_chinese_message(client, city, east_hr):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_hr)
    response = client.post(
        reverse("personnel_people:link_account", args=(person.pk,)),
        {"username": "weak", "password": "12345678", "password_confirm": "12345678"},
    )
    errors = " ".join(response.context["form"].errors["password"])
    assert "密码" in errors
    assert not User.objects.filter(username="weak").exists()


def test_department_head_cannot_open_accounts(client, city, east_head):
    person = PersonFactory(unit=city["east_dept"])
    client.force_login(east_head)
    response = client.post(
        reverse("personnel_people:link_account", args=(person.pk,)),
        {"username": "x_officer", "password": "Zhifa-2025-pass", "password_confirm": "Zhifa-2025-pass"},
    )
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not User.objects.filter(username="x_officer").exists()


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------


def test_unit_index_shows_the_tree_with_parent_kind_and_reviewer_rule(client, city, superuser):
    Unit.objects.filter(pk=city["east_dept"].pk).update(reviewer_percent=8, domain="市场监管")
    affiliated = UnitFactory(code="12010103", name="东区执法大队", kind=UnitKind.AFFILIATED, parent=city["east"])
    client.force_login(superuser)
    response = client.get(reverse("personnel_units:index"))
    view = response.context["view"]
    rows = {unit.code: unit for unit in response.context["object_list"]}
    assert [unit.code for unit in response.context["object_list"]][:3] == ["120000", "120101", "12010101"]
    assert [view.tree_level(rows[code]) for code in ("120000", "120101", "12010101")] == [0, 1, 2]
    assert "--personnel-tree-level: 2;" in response.content.decode()
    assert rows["12010101"].parent_name == "东区"
    assert view.describe_rule(rows["12010101"]) == "执法人员的8%（本单位设定）"
    assert view.describe_rule(rows[affiliated.code]) == "执法人员的5%，至少1人"
    body = response.content.decode()
    assert "市场监管" in body and "直属单位" in body


@pytest.mark.parametrize("size", [3, 30])
def test_unit_index_query_count_is_constant(client, city, superuser, size, django_assert_max_num_queries):
    for n in range(size):
        UnitFactory(code=f"9{n:04d}", name=f"科室{n}", kind=UnitKind.OFFICE, parent=Unit.objects.get(pk=city["east_dept"].pk))
    client.force_login(superuser)
    client.get(reverse("personnel_units:index"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("personnel_units:index"))
    assert len(response.context["object_list"]) == size + 7


def test_unit_search_and_kind_filter(client, city, east_hr):
    client.force_login(east_hr)
    response = client.get(reverse("personnel_units:index_results"), {"q": "东湖"})
    found = response.context["object_list"]
    assert [unit.code for unit in found] == [city["east_town"].code]
    assert response.context["view"].tree_level(found[0]) == 0  # a search result is not shown as a tree
    found = client.get(reverse("personnel_units:index_results"), {"kind": "office"}).context["object_list"]
    assert [unit.code for unit in found] == [city["east_office"].code]


def test_superuser_creates_a_unit_under_a_parent_with_one_audit_entry(client, city, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("personnel_units:add"),
        {"parent": city["east"].pk, "code": "12010109", "name": "东区城管局", "kind": "department", "domain": "城市管理",
         "reviewer_basis": "", "reviewer_percent": "", "reviewer_minimum": ""},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="12010109")
    assert unit.get_parent().pk == city["east"].pk
    assert [(e.action, e.user_id) for e in _logs(unit)] == [("wagtail.create", superuser.pk)]


def test_unit_create_with_a_taken_code_shows_the_service_message(client, city, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("personnel_units:add"),
        {"parent": city["east"].pk, "code": city["east_dept"].code, "name": "重复", "kind": "department"},
    )
    assert response.context["form"].errors["code"] == ["单位编码已存在"]


def test_moving_a_unit_under_its_own_descendant_is_refused(client, city, superuser):
    east_dept = city["east_dept"]
    client.force_login(superuser)
    response = client.post(
        reverse("personnel_units:edit", args=(east_dept.pk,)),
        {"parent": city["east_office"].pk, "code": east_dept.code, "name": east_dept.name, "kind": east_dept.kind},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["上级单位不能是本单位或其下级单位"]
    assert Unit.objects.get(pk=east_dept.pk).get_parent().pk == city["east"].pk
    assert not _logs(east_dept).exists()


def test_moving_a_unit_goes_through_unit_update_and_is_audited(client, city, superuser):
    town = city["east_town"]
    client.force_login(superuser)
    response = client.post(
        reverse("personnel_units:edit", args=(town.pk,)),
        {"parent": city["west"].pk, "code": town.code, "name": town.name, "kind": town.kind},
    )
    assert response.status_code == 302
    assert Unit.objects.get(pk=town.pk).get_parent().pk == city["west"].pk
    entry = _logs(town, "wagtail.edit").get()
    assert entry.user_id == superuser.pk
    assert entry.data["changes"]["parent"] == [city["east"].code, city["west"].code]


def test_issuing_authority_edits_only_the_reviewer_rule(client, city, east_authority):
    dept = city["east_dept"]
    client.force_login(east_authority)
    form = client.get(reverse("personnel_units:edit", args=(dept.pk,))).context["form"]
    assert set(form.fields) == {"reviewer_basis", "reviewer_percent", "reviewer_minimum"}
    response = client.post(
        reverse("personnel_units:edit", args=(dept.pk,)),
        {"reviewer_basis": "all_staff", "reviewer_percent": "10", "reviewer_minimum": "2", "name": "改名", "parent": ""},
    )
    assert response.status_code == 302
    dept = Unit.objects.get(pk=dept.pk)
    assert (dept.reviewer_basis, dept.reviewer_percent, dept.reviewer_minimum, dept.name) == ("all_staff", 10, 2, "东区市场监管局")
    assert dept.get_parent().pk == city["east"].pk
    assert _logs(dept, "wagtail.edit").get().user_id == east_authority.pk


@pytest.mark.parametrize(
    "case,message", [("children", "该单位下还有下级单位，不能删除"), ("people", "该单位下还有人员，不能删除")]
)
def test_unit_delete_is_refused_with_the_service_message(client, city, superuser, case, message):
    unit = city["east_dept"] if case == "children" else city["east_town"]
    if case == "people":
        PersonFactory(unit=unit)
    client.force_login(superuser)
    page = client.get(reverse("personnel_units:delete", args=(unit.pk,)))
    assert page.context["delete_refusal"] == message
    assert "是，删除" not in page.content.decode()
    response = client.post(reverse("personnel_units:delete", args=(unit.pk,)), follow=True)
    assert message in response.content.decode()
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_empty_unit_is_deleted_after_confirmation_with_an_audit_entry(client, city, superuser):
    unit = city["east_office"]
    pk = unit.pk
    client.force_login(superuser)
    page = client.get(reverse("personnel_units:delete", args=(pk,)))
    assert page.context["delete_refusal"] is None
    response = client.post(reverse("personnel_units:delete", args=(pk,)))
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=pk).exists()
    assert ModelLogEntry.objects.get(object_id=str(pk), content_type__model="unit", action="wagtail.delete").user_id == superuser.pk


# ---------------------------------------------------------------------------------------------
# Role assignments and the menu
# ---------------------------------------------------------------------------------------------


def test_superuser_grants_and_revokes_a_role_through_the_services(client, city, superuser):
    target = UserFactory(username="new_hr")
    client.force_login(superuser)
    response = client.post(reverse("personnel_roles:add"), {"user": target.pk, "role": Role.HR_ADMIN, "unit": city["west"].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    assert target.groups.filter(name="单位人事管理员").exists()
    assert _logs(assignment, "wagtail.create").get().user_id == superuser.pk
    client.post(reverse("personnel_roles:delete", args=(assignment.pk,)))
    assert not RoleAssignment.objects.filter(user=target).exists()
    assert not target.groups.filter(name="单位人事管理员").exists()


def test_scoped_role_without_unit_is_refused(client, city, superuser):
    target = UserFactory(username="no_unit")
    client.force_login(superuser)
    response = client.post(reverse("personnel_roles:add"), {"user": target.pk, "role": Role.HR_ADMIN, "unit": ""})
    assert response.context["form"].errors["unit"] == ["该角色必须指定管辖单位"]
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_role_index_query_count_is_constant(client, city, superuser, django_assert_max_num_queries):
    for n in range(20):
        role_assign(user=UserFactory(username=f"u{n}"), role=Role.DEPARTMENT_HEAD, unit=city["east"])
    client.force_login(superuser)
    client.get(reverse("personnel_roles:index"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("personnel_roles:index"))
    assert len(response.context["object_list"]) == 20


def _personnel_menu_urls(user, rf) -> list[str] | None:
    from wagtail.admin.menu import admin_menu

    request = rf.get("/admin/")
    request.user = user
    for item in admin_menu.menu_items_for_request(request):
        if str(item.label) == "人员管理":
            return [sub.url for sub in item.menu.menu_items_for_request(request)]
    return None


def test_hr_admin_menu_shows_units_and_people_but_not_roles(city, east_hr, superuser, rf):
    assert _personnel_menu_urls(east_hr, rf) == [reverse("personnel_units:index"), reverse("personnel_people:index")]
    assert _personnel_menu_urls(superuser, rf) == [
        reverse("personnel_units:index"),
        reverse("personnel_people:index"),
        reverse("personnel_roles:index"),
    ]
