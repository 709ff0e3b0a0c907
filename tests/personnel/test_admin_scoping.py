"""Scoping of every personnel admin view (issue 2: "Tests prove it for every personnel admin view").

The rule (personnel/views.py): an object outside the user's unit subtree is not found (404) whatever
the user's role; an object in scope on which the user's roles do not grant the view's action is
refused (Wagtail redirects to the admin home with a message); an officer never reaches the admin.

The views are read from the viewsets themselves, so a view added to a viewset without an entry in
OBJECT_VIEW_NEEDS fails here instead of going untested.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from personnel.models import Person, Role, RoleAssignment, Unit
from personnel.services import person_link_user, role_assign
from personnel.views import PersonViewSet, RoleAssignmentViewSet, UnitViewSet
from tests.factories import PersonFactory, UserFactory

ALL = frozenset({"add", "change", "delete", "view"})
ANY_VISIBLE = ALL
EDITING = frozenset({"add", "change", "delete"})

VIEWSETS = {"person": PersonViewSet, "unit": UnitViewSet, "role": RoleAssignmentViewSet}

#: For each view of an object: the actions of which the user must hold one on that object.
OBJECT_VIEW_NEEDS = {
    "person": {
        "edit": {"change"},
        "delete": {"delete"},
        "inspect": ANY_VISIBLE,
        "history": EDITING,
        "history_results": EDITING,
        "usage": {"change"},
        "link_account": {"change"},
    },
    "unit": {
        "edit": {"change"},
        "delete": {"delete"},
        "inspect": ANY_VISIBLE,
        "history": EDITING,
        "history_results": EDITING,
        "usage": {"change"},
    },
    "role": {
        "edit": {"change"},
        "delete": {"delete"},
        "inspect": ANY_VISIBLE,
        "history": EDITING,
        "history_results": EDITING,
        "usage": {"change"},
    },
}
#: Listing and creation views, and the actions they need at model level.
LIST_VIEW_NEEDS = {"index": ANY_VISIBLE, "index_results": ANY_VISIBLE, "add": {"add"}}

#: What each role's groups grant, per model (ROLE_GROUPS; role assignments are for superusers only).
GRANTS = {
    "east_hr": {"person": {"add", "change", "view"}, "unit": {"view"}, "role": set()},
    "west_hr": {"person": {"add", "change", "view"}, "unit": {"view"}, "role": set()},
    "east_head": {"person": {"view"}, "unit": {"view"}, "role": set()},
    "east_authority": {"person": {"view"}, "unit": {"view", "change"}, "role": set()},
    "superuser": {"person": set(ALL), "unit": set(ALL), "role": {"add", "delete", "view"}},
    "officer": {"person": set(), "unit": set(), "role": set()},
}
HOME_SCOPE = {"east_hr": "east", "west_hr": "west", "east_head": "east", "east_authority": "east"}
USER_KEYS = list(GRANTS)

ALLOWED, DENIED, NOT_FOUND, LOGIN = "200 page", "denied: redirect to admin home", "404", "redirect to login"


def _object_view_names(model_key: str) -> list[str]:
    return [p.name for p in VIEWSETS[model_key]().get_urlpatterns() if "<int:pk>" in str(p.pattern)]


def _list_view_names(model_key: str) -> list[str]:
    return [p.name for p in VIEWSETS[model_key]().get_urlpatterns() if "<" not in str(p.pattern)]


def _outcome(response) -> str:
    if response.status_code == 200:
        return ALLOWED
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return DENIED
    if response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login")):
        return LOGIN
    return f"unexpected {response.status_code} {response.get('Location', '')}"


def _expected(user_key: str, model_key: str, needs, region: str | None) -> str:
    if user_key == "officer":
        return LOGIN
    granted = bool(GRANTS[user_key][model_key] & set(needs))
    if user_key == "superuser":
        return ALLOWED if granted else DENIED
    if model_key == "role" or (region is not None and region != HOME_SCOPE[user_key]):
        return NOT_FOUND
    return ALLOWED if granted else DENIED


@pytest.fixture
def officer(city, make_user):
    user = make_user(username="officer")
    person_link_user(person=PersonFactory(unit=city["east_office"], name="执法员本人"), user=user)
    return user


@pytest.fixture
def users(east_hr, west_hr, east_head, east_authority, superuser, officer):
    return {
        "east_hr": east_hr,
        "west_hr": west_hr,
        "east_head": east_head,
        "east_authority": east_authority,
        "superuser": superuser,
        "officer": officer,
    }


@pytest.fixture
def objects(city, superuser, users):
    """One object of each model in 东区 and one in 西区 (role assignments have no region of their own)."""
    east_person = PersonFactory(unit=city["east_dept"], name="东区张三")
    west_person = PersonFactory(unit=city["west_dept"], name="西区李四")
    grantee = UserFactory(username="grantee")
    return {
        "person": {"east": east_person, "west": west_person},
        "unit": {"east": city["east_dept"], "west": city["west_dept"]},
        "role": {
            "east": role_assign(user=grantee, role=Role.HR_ADMIN, unit=city["east_town"]),
            "west": role_assign(user=grantee, role=Role.HR_ADMIN, unit=city["west_dept"]),
        },
    }


def test_every_object_view_of_every_viewset_is_in_the_scoping_matrix():
    for model_key in VIEWSETS:
        assert sorted(_object_view_names(model_key)) == sorted(OBJECT_VIEW_NEEDS[model_key])
        assert sorted(_list_view_names(model_key)) == sorted(LIST_VIEW_NEEDS)


@pytest.mark.parametrize("user_key", USER_KEYS)
@pytest.mark.parametrize(
    "model_key,view_name",
    [(m, v) for m in OBJECT_VIEW_NEEDS for v in OBJECT_VIEW_NEEDS[m]],
)
def test_object_views_answer_by_scope_and_role(client, users, objects, user_key, model_key, view_name):
    client.force_login(users[user_key])
    needs = OBJECT_VIEW_NEEDS[model_key][view_name]
    outcomes, expected = {}, {}
    for region, obj in objects[model_key].items():
        url = reverse(f"{VIEWSETS[model_key].name}:{view_name}", args=(obj.pk,))
        outcomes[region] = _outcome(client.get(url))
        expected[region] = _expected(user_key, model_key, needs, None if model_key == "role" else region)
    assert outcomes == expected


@pytest.mark.parametrize("user_key", USER_KEYS)
@pytest.mark.parametrize("model_key,view_name", [(m, v) for m in VIEWSETS for v in LIST_VIEW_NEEDS])
def test_list_and_create_views_answer_by_role(client, users, objects, user_key, model_key, view_name):
    client.force_login(users[user_key])
    response = client.get(reverse(f"{VIEWSETS[model_key].name}:{view_name}"))
    needs = LIST_VIEW_NEEDS[view_name]
    if user_key == "officer":
        expected = LOGIN
    else:
        expected = ALLOWED if GRANTS[user_key][model_key] & set(needs) else DENIED
    assert _outcome(response) == expected


@pytest.mark.parametrize("user_key,shown,hidden", [("east_hr", "东区张三", "西区李四"), ("west_hr", "西区李四", "东区张三")])
def test_person_index_lists_only_people_of_the_users_subtree(client, users, objects, user_key, shown, hidden):
    client.force_login(users[user_key])
    for view_name in ("index", "index_results"):
        body = client.get(reverse(f"personnel_people:{view_name}")).content.decode()
        assert shown in body
        assert hidden not in body


def test_person_index_search_by_out_of_scope_id_number_finds_nothing(client, users, objects):
    client.force_login(users["east_hr"])
    west_person = objects["person"]["west"]
    body = client.get(reverse("personnel_people:index_results"), {"q": west_person.id_number}).content.decode()
    assert west_person.name not in body


def test_person_export_holds_only_people_of_the_users_subtree(client, users, objects):
    client.force_login(users["east_hr"])
    for export_format in ("csv", "xlsx"):
        response = client.get(reverse("personnel_people:index"), {"export": export_format})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if export_format == "csv":
            text = body.decode("utf-8-sig")
            assert "东区张三" in text and "西区李四" not in text
        else:
            from io import BytesIO

            from openpyxl import load_workbook

            names = [row[0] for row in load_workbook(BytesIO(body)).active.iter_rows(min_row=2, values_only=True)]
            assert "东区张三" in names and "西区李四" not in names


def test_unit_index_lists_only_units_of_the_users_subtree(client, users, objects, city):
    client.force_login(users["east_hr"])
    body = client.get(reverse("personnel_units:index")).content.decode()
    assert city["east_dept"].code in body and city["east_town"].code in body
    assert city["west_dept"].code not in body and city["region"].code not in body


def test_department_head_unit_filter_offers_only_units_in_scope(client, users, objects, city):
    client.force_login(users["east_head"])
    body = client.get(reverse("personnel_people:index")).content.decode()
    assert f"{city['east_dept'].name}（{city['east_dept'].code}）" in body
    assert f"（{city['west_dept'].code}）" not in body


def test_filtering_by_an_out_of_scope_unit_does_not_reveal_its_people(client, users, objects, city):
    client.force_login(users["east_hr"])
    body = client.get(reverse("personnel_people:index_results"), {"unit": city["west_dept"].pk}).content.decode()
    assert "西区李四" not in body


def test_edit_post_on_out_of_scope_person_is_not_found_and_changes_nothing(client, users, objects, city):
    west_person = objects["person"]["west"]
    client.force_login(users["east_hr"])
    response = client.post(
        reverse("personnel_people:edit", args=(west_person.pk,)),
        {"name": "篡改", "id_number": west_person.id_number, "unit": city["east_dept"].pk, "post_type": "other",
         "status": "left", "employment_kind": "established"},
    )
    assert response.status_code == 404
    west_person.refresh_from_db()
    assert (west_person.name, west_person.status, west_person.unit_id) == ("西区李四", "active", city["west_dept"].pk)
    assert not ModelLogEntry.objects.filter(object_id=str(west_person.pk), action="wagtail.edit").exists()


def test_edit_post_cannot_move_a_person_into_another_districts_unit(client, users, objects, city):
    east_person = objects["person"]["east"]
    client.force_login(users["east_hr"])
    response = client.post(
        reverse("personnel_people:edit", args=(east_person.pk,)),
        {"name": east_person.name, "id_number": east_person.id_number, "unit": city["west_dept"].pk,
         "post_type": "enforcement", "status": "active", "employment_kind": "established"},
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    east_person.refresh_from_db()
    assert east_person.unit_id == city["east_dept"].pk


def test_create_post_cannot_place_a_person_in_another_district(client, users, objects, city):
    client.force_login(users["east_hr"])
    from tests.factories import make_id_number

    response = client.post(
        reverse("personnel_people:add"),
        {"name": "越界", "id_number": make_id_number(sequence=777), "unit": city["west_dept"].pk,
         "post_type": "enforcement", "status": "active", "employment_kind": "established"},
    )
    assert response.status_code == 200
    assert not Person.objects.filter(name="越界").exists()


@pytest.mark.parametrize("user_key", ["east_hr", "east_head", "east_authority"])
def test_delete_post_on_a_person_is_refused_to_every_role_but_superuser(client, users, objects, user_key):
    client.force_login(users[user_key])
    for region, person in objects["person"].items():
        response = client.post(reverse("personnel_people:delete", args=(person.pk,)))
        assert _outcome(response) == (DENIED if region == "east" else NOT_FOUND)
        assert Person.objects.filter(pk=person.pk).exists()


def test_delete_post_on_out_of_scope_unit_is_not_found(client, users, objects, city):
    empty_west_unit = Unit.objects.get(pk=city["west"].pk).add_child(code="12010299", name="西区空单位", kind="office")
    client.force_login(users["east_authority"])
    response = client.post(reverse("personnel_units:delete", args=(empty_west_unit.pk,)))
    assert response.status_code == 404
    assert Unit.objects.filter(pk=empty_west_unit.pk).exists()


def test_unit_edit_post_by_out_of_scope_authority_is_not_found(client, users, objects, city):
    client.force_login(users["east_authority"])
    response = client.post(
        reverse("personnel_units:edit", args=(city["west_dept"].pk,)),
        {"reviewer_basis": "all_staff", "reviewer_percent": "50", "reviewer_minimum": "9"},
    )
    assert response.status_code == 404
    city["west_dept"].refresh_from_db()
    assert city["west_dept"].reviewer_minimum is None


def test_link_account_post_on_out_of_scope_person_creates_no_account(client, users, objects):
    west_person = objects["person"]["west"]
    client.force_login(users["east_hr"])
    response = client.post(
        reverse("personnel_people:link_account", args=(west_person.pk,)),
        {"username": "stolen", "password": "Zhifa-2025-pass", "password_confirm": "Zhifa-2025-pass"},
    )
    assert response.status_code == 404
    west_person.refresh_from_db()
    assert west_person.user_id is None


def test_role_assignment_post_by_non_superuser_grants_nothing(client, users, objects, city):
    client.force_login(users["east_hr"])
    target = UserFactory(username="wannabe")
    response = client.post(
        reverse("personnel_roles:add"), {"user": target.pk, "role": Role.HR_ADMIN, "unit": city["region"].pk}
    )
    assert _outcome(response) == DENIED
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_mixed_roles_change_only_in_the_subtree_of_the_role_that_grants_change(client, city, make_user):
    user = make_user(Role.HR_ADMIN, city["east"], username="mixed")
    role_assign(user=user, role=Role.DEPARTMENT_HEAD, unit=city["west"])
    west_person = PersonFactory(unit=city["west_dept"], name="西区王五")
    client.force_login(user)
    assert _outcome(client.get(reverse("personnel_people:inspect", args=(west_person.pk,)))) == ALLOWED
    assert _outcome(client.get(reverse("personnel_people:edit", args=(west_person.pk,)))) == DENIED


@pytest.mark.parametrize("url_name", ["wagtailadmin_reports:site_history", "wagtailadmin_reports:site_history_results"])
def test_site_history_names_only_people_and_units_in_scope(client, users, objects, url_name):
    from personnel.services import person_update

    for person in objects["person"].values():
        person_update(person=person, actor=users["superuser"], title="科长")
    client.force_login(users["east_hr"])
    body = client.get(reverse(url_name)).content.decode()
    assert "东区张三" in body
    assert "西区李四" not in body
    client.force_login(users["superuser"])
    body = client.get(reverse(url_name)).content.decode()
    assert "东区张三" in body and "西区李四" in body


def test_site_history_export_names_only_people_in_scope(client, users, objects):
    from personnel.services import person_update

    for person in objects["person"].values():
        person_update(person=person, actor=users["superuser"], title="科长")
    client.force_login(users["west_hr"])
    response = client.get(reverse("wagtailadmin_reports:site_history"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert "西区李四" in text and "东区张三" not in text


@pytest.mark.parametrize("size", [2, 20])
def test_site_history_query_count_does_not_grow_with_entries(client, users, city, size, django_assert_max_num_queries):
    from personnel.services import person_update

    for n in range(size):
        person = PersonFactory(unit=city["east_dept"] if n % 2 else city["west_dept"])
        person_update(person=person, actor=users["superuser"], title=f"职务{n}")
    client.force_login(users["east_hr"])
    client.get(reverse("wagtailadmin_reports:site_history"))
    with django_assert_max_num_queries(32):
        client.get(reverse("wagtailadmin_reports:site_history"))


def test_a_viewset_refuses_to_register_a_view_that_bypasses_the_scoping():
    from django.core.exceptions import ImproperlyConfigured
    from wagtail.admin.views import generic

    class LeakyPersonViewSet(PersonViewSet):
        name = "leaky_people"
        inspect_view_class = generic.InspectView

    with pytest.raises(ImproperlyConfigured, match="scoping"):
        LeakyPersonViewSet().get_urlpatterns()
