"""The public site: home page, login and logout, my profile and the error pages, all in Chinese."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from personnel.models import EmploymentKind, PostType, Role
from personnel.services import person_link_user, role_assign
from tests.factories import PersonFactory, UserFactory, make_id_number

PASSWORD = "correct-horse-battery"
OFFICER_ID = make_id_number(sequence=123)


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes outside scripts and styles, and labelling attributes."""

    LABEL_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "svg"):
            self._hidden += 1
        attrs = dict(attrs)
        self.parts.extend(attrs[name] or "" for name in self.LABEL_ATTRIBUTES if name in attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "svg") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    words = re.findall(r"[A-Za-z]{2,}", " ".join(parser.parts))
    # The language switch names English in English (an autonym), as language menus do.
    allowed = (*allowed, "English")
    return [word for word in words if word not in allowed]


@pytest.fixture
def officer(city):
    """An officer of 东区市场监管局法规科 whose account carries their Chinese name."""
    person = PersonFactory(
        name="李文华",
        id_number=OFFICER_ID,
        unit=city["east_office"],
        post_type=PostType.LEGAL_REVIEW,
        employment_kind=EmploymentKind.ESTABLISHED,
        is_public_lawyer=True,
        legal_qualification_no="A20191200000001",
        phone="13912345678",
        title="四级主任科员",
    )
    user = UserFactory(username="li_wenhua", first_name="李文华")
    person_link_user(person=person, user=user)
    return user


def test_home_page_is_in_chinese_with_the_site_title(client, city):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "<title>执法人员培训·考试·证件管理平台</title>" in html
    assert "主办单位：示例市司法局" in html
    assert english_words(html) == []


@pytest.mark.parametrize(("who", "max_queries"), [("anonymous", 5), ("officer", 10), ("east_hr", 15)])
def test_home_page_query_count_is_bounded(client, db, request, who, max_queries, django_assert_max_num_queries):
    """The Wagtail user bar (shown to admin roles) costs its own permission queries; nothing grows with data."""
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    else:
        request.getfixturevalue("city")
    client.get("/")
    with django_assert_max_num_queries(max_queries):
        response = client.get("/")
    assert response.status_code == 200


def test_login_page_is_in_chinese_and_says_who_issues_accounts(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "用户登录" in html
    assert "账号由本单位人事管理员统一开通" in html
    assert english_words(html) == []


def test_login_with_a_wrong_password_shows_a_chinese_error(client, officer):
    response = client.post("/accounts/login/", {"username": "li_wenhua", "password": "not-the-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确，请重新输入。" in html
    assert english_words(html, allowed=("li_wenhua",)) == []
    assert "_auth_user_id" not in client.session


def test_login_with_empty_fields_asks_for_both(client, db):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "请输入用户名和密码。" in html
    assert "用户名或密码不正确" not in html
    assert english_words(html) == []


def test_login_of_a_deactivated_account_is_refused_like_a_wrong_password(client, officer):
    officer.is_active = False
    officer.save()
    html = client.post("/accounts/login/", {"username": "li_wenhua", "password": PASSWORD}).content.decode()
    assert "用户名或密码不正确，请重新输入。" in html
    assert "_auth_user_id" not in client.session


def test_login_success_goes_to_my_profile(client, officer):
    response = client.post("/accounts/login/", {"username": "li_wenhua", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_login_honours_next(client, officer):
    response = client.post("/accounts/login/?next=/", {"username": "li_wenhua", "password": PASSWORD, "next": "/"})
    assert response["Location"] == "/"


def test_logout_by_post_returns_home_with_a_notice(client, officer):
    client.force_login(officer)
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert "您已安全退出登录。" in html
    assert "_auth_user_id" not in client.session
    assert english_words(html) == []


def test_logout_by_get_is_refused(client, officer):
    client.force_login(officer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_my_profile_requires_login(client, db):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/"


def test_my_profile_shows_the_register_entry_with_the_id_number_masked(client, officer):
    client.force_login(officer)
    html = client.get("/me/").content.decode()
    assert "李文华" in html
    assert "120101********" + OFFICER_ID[-4:] in html
    assert OFFICER_ID not in html
    assert "13912345678" not in html and "139****5678" in html
    for text in ("法制审核", "四级主任科员", "在岗", "在编", "A20191200000001"):
        assert text in html
    assert english_words(html) == []


def test_my_profile_shows_the_unit_path_from_the_root(client, officer):
    client.force_login(officer)
    html = client.get("/me/").content.decode()
    names = ["示例市", "东区", "东区市场监管局", "东区市场监管局法规科"]
    positions = [html.index(f"<span>{name}</span>") for name in names]
    assert positions == sorted(positions)


def test_my_profile_lists_the_roles_held(client, officer, city):
    role_assign(user=officer, role=Role.HR_ADMIN, unit=city["east"])
    client.force_login(officer)
    html = client.get("/me/").content.decode()
    assert "执法人员" in html
    assert re.search(r"单位人事管理员<span class=\"role-scope\">东区</span>", html)


def test_my_profile_without_a_linked_person_says_so(client, east_hr):
    client.force_login(east_hr)
    response = client.get("/me/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "您的账号尚未关联人员信息" in html
    assert "单位人事管理员" in html
    assert "进入管理后台" in html
    assert english_words(html, allowed=("east", "hr")) == []


def test_my_profile_query_count_is_bounded(client, officer, django_assert_max_num_queries):
    client.force_login(officer)
    client.get("/me/")
    with django_assert_max_num_queries(6):
        response = client.get("/me/")
    assert response.status_code == 200


def test_admin_link_is_shown_only_to_users_with_an_admin_role(client, officer, east_hr):
    client.force_login(officer)
    assert "管理后台" not in client.get("/me/").content.decode()
    client.force_login(east_hr)
    assert 'href="/admin/">管理后台' in client.get("/me/").content.decode()


def test_current_page_is_marked_in_the_navigation(client, officer):
    client.force_login(officer)
    html = client.get("/me/").content.decode()
    assert '<a href="/me/" class="current" aria-current="page">我的信息</a>' in html


def test_unknown_address_gets_the_chinese_404_page(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert "返回首页" in html
    assert english_words(html) == []


def test_500_page_renders_without_the_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统繁忙，请稍后再试" in html
    assert english_words(html) == []


def test_wagtail_admin_login_is_in_chinese_with_the_portals_wording(client, db):
    html = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<title>登录 - 管理后台</title>" in html
    assert "登录管理后台" in html
    assert re.search(r"<label[^>]*>\s*密码", html)
    assert english_words(html, allowed=("JavaScript",)) == []


def test_wagtail_dashboard_summary_is_in_chinese(client, superuser):
    client.force_login(superuser)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "个页面" in html and "张图片" in html and "个文档" in html
    assert "搜索全部页面" in html
    assert "gravatar.com" not in html
    # Left in English by Wagtail itself: product names, the username, and a hard-coded screen-reader button.
    assert english_words(html, allowed=("JavaScript", "Wagtail", "root", "admin", "Search")) == []


def test_english_browser_still_gets_the_chinese_portal_and_admin_login(client, db):
    """Accept-Language does not switch the language: Chinese is the default for everyone."""
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    admin_login = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in home.content.decode()
    assert "登录" in admin_login.content.decode()
    assert "Sign in" not in admin_login.content.decode()


def test_language_switch_sets_english_until_switched_back(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_permission_denied_page_is_in_chinese(client, db, settings):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
