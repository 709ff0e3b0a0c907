"""示例数据: the demo city that `manage.py seed_demo` builds (DESIGN §5.4).

Everything is generated from a fixed random seed and keyed by unit code, ID number and
username, so a second run finds everything in place and writes nothing. Units and people go
through the personnel services, so the demo data carries the same audit trail (R16) as data
entered by hand.

Staffing is planned per accountable unit so that some units fall short of the legal-reviewer
rule (R11) and the dashboards have something to show.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from wagtail.users.models import UserProfile

from personnel.idnumber import check_character
from personnel.models import (
    EmploymentKind,
    Person,
    PersonStatus,
    PostType,
    ReviewerBasis,
    Role,
    Unit,
    UnitKind,
)
from personnel.selectors import unit_ancestors
from personnel.services import ensure_role_groups, person_create, person_link_user, role_assign, unit_create
from portal.errors import ApplicationError
from portal.models import HomePage, PortalSettings

SEED = 20240630
DEMO_PASSWORD = "Demo!2026pass"
CITY_CODE = "120000"
CITY_NAME = "示例市"


@dataclass(frozen=True)
class Staffing:
    """The active people of one accountable unit; `inactive` more who have retired or left."""

    officers: int
    reviewers: int
    others: int
    inactive: int = 1


@dataclass(frozen=True)
class Affiliate:
    suffix: str
    name: str
    staffing: Staffing


@dataclass(frozen=True)
class DepartmentPlan:
    """A department; its first office holds the other staff, its second the legal reviewers."""

    suffix: str
    name: str
    domain: str
    offices: tuple[str, ...]
    staffing: Staffing
    affiliates: tuple[Affiliate, ...] = ()
    reviewer_basis: str = ""


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    name: str
    staffing: Staffing


@dataclass(frozen=True)
class DistrictPlan:
    code: str
    name: str
    departments: tuple[DepartmentPlan, ...]
    townships: tuple[TownshipPlan, ...]


MUNICIPAL = (
    DepartmentPlan(
        "01",
        "示例市市场监督管理局",
        "市场监管",
        ("办公室", "法规处", "执法稽查处", "食品安全协调处", "特种设备安全监察处", "价格监督检查处"),
        Staffing(38, 2, 5, inactive=2),
        (Affiliate("51", "示例市市场监管综合行政执法总队", Staffing(30, 2, 3)),),
    ),
    DepartmentPlan(
        "02",
        "示例市生态环境局",
        "生态环境",
        ("办公室", "法规与标准处", "水生态环境处", "大气环境处", "固体废物与化学品处"),
        Staffing(22, 1, 4),
        (Affiliate("51", "示例市生态环境保护综合行政执法总队", Staffing(24, 2, 2)),),
    ),
    DepartmentPlan(
        "03",
        "示例市交通运输委员会",
        "交通运输",
        ("办公室", "政策法规处", "道路运输管理处", "水路运输管理处", "安全监督处"),
        Staffing(24, 2, 4),
        (Affiliate("51", "示例市交通运输综合行政执法总队", Staffing(26, 0, 3, inactive=2)),),
    ),
    DepartmentPlan(
        "04",
        "示例市卫生健康委员会",
        "卫生健康",
        ("办公室", "法规处", "医政医管处", "公共卫生处"),
        Staffing(14, 1, 4),
        (Affiliate("51", "示例市卫生健康综合监督所", Staffing(18, 1, 2)),),
        # A bureau's own organs may count reviewers against all their staff (R11, 002).
        reviewer_basis=ReviewerBasis.ALL_STAFF,
    ),
)

DISTRICTS = (
    DistrictPlan(
        "120101",
        "和平区",
        (
            DepartmentPlan(
                "01",
                "和平区市场监督管理局",
                "市场监管",
                ("办公室", "法制科", "综合执法科", "食品安全科", "市场秩序科"),
                Staffing(24, 2, 3),
            ),
            DepartmentPlan(
                "02", "和平区生态环境局", "生态环境", ("办公室", "法制科", "环境执法科"), Staffing(12, 1, 2)
            ),
            DepartmentPlan(
                "03", "和平区卫生健康委员会", "卫生健康", ("办公室", "法制科", "卫生监督科"), Staffing(10, 0, 2)
            ),
        ),
        (
            TownshipPlan("120101001", "和平区新华街道综合行政执法队", Staffing(12, 1, 1)),
            TownshipPlan("120101002", "和平区南营门街道综合行政执法队", Staffing(10, 0, 1)),
            TownshipPlan("120101003", "和平区五大道街道综合行政执法队", Staffing(8, 1, 1, inactive=0)),
        ),
    ),
    DistrictPlan(
        "120103",
        "河西区",
        (
            DepartmentPlan(
                "01",
                "河西区市场监督管理局",
                "市场监管",
                ("办公室", "法制科", "综合执法科", "特种设备科"),
                Staffing(28, 1, 3),
            ),
            DepartmentPlan(
                "02", "河西区交通运输局", "交通运输", ("办公室", "法制科", "运输执法科"), Staffing(14, 1, 2)
            ),
            DepartmentPlan(
                "03", "河西区卫生健康委员会", "卫生健康", ("办公室", "法制科", "卫生监督科"), Staffing(9, 1, 2)
            ),
        ),
        (
            TownshipPlan("120103001", "河西区友谊路街道综合行政执法队", Staffing(11, 1, 1)),
            TownshipPlan("120103002", "河西区桃园街道综合行政执法队", Staffing(9, 1, 1, inactive=0)),
            TownshipPlan("120103100", "河西区双港镇综合行政执法队", Staffing(13, 0, 2)),
        ),
    ),
)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    domain: str = ""
    reviewer_basis: str = ""


@dataclass(frozen=True)
class Placement:
    """Where an accountable unit's people sit: other staff, reviewers and officers."""

    unit_code: str
    staffing: Staffing
    other_unit: str
    reviewer_unit: str
    officer_units: tuple[str, ...]
    titles: tuple[str, ...]
    contract_share: float


MUNICIPAL_TITLES = ("一级科员", "四级主任科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "副处长")
DISTRICT_TITLES = ("一级科员", "一级科员", "四级主任科员", "三级主任科员", "副科长", "科长")
SQUAD_TITLES = ("执法队员", "执法队员", "执法队员", "执法队员", "副队长")


def _squad(code: str, staffing: Staffing, contract_share: float) -> Placement:
    """An enforcement squad (执法队、总队、监督所): everyone sits in the unit itself."""
    return Placement(code, staffing, code, code, (code,), SQUAD_TITLES, contract_share)


def _department(plan: DepartmentPlan, *, parent: str, titles, specs: list, placements: list) -> None:
    """Unit codes extend the parent's: 2 digits per department, office (01–49) and affiliated unit (51–)."""
    code = parent + plan.suffix
    specs.append(UnitSpec(code, plan.name, UnitKind.DEPARTMENT, parent, plan.domain, plan.reviewer_basis))
    offices = [f"{code}{index:02d}" for index in range(1, len(plan.offices) + 1)]
    specs.extend(UnitSpec(o, name, UnitKind.OFFICE, code, plan.domain) for o, name in zip(offices, plan.offices))
    placements.append(Placement(code, plan.staffing, offices[0], offices[1], tuple(offices[2:]), titles, 0.1))
    for affiliate in plan.affiliates:
        affiliate_code = code + affiliate.suffix
        specs.append(UnitSpec(affiliate_code, affiliate.name, UnitKind.AFFILIATED, code, plan.domain))
        placements.append(_squad(affiliate_code, affiliate.staffing, 0.2))


def unit_plan() -> tuple[list[UnitSpec], list[Placement]]:
    """The whole tree, parents before children, and where each accountable unit's people sit."""
    specs = [UnitSpec(CITY_CODE, CITY_NAME, UnitKind.REGION, None)]
    placements: list[Placement] = []
    for plan in MUNICIPAL:
        _department(plan, parent=CITY_CODE, titles=MUNICIPAL_TITLES, specs=specs, placements=placements)
    for district in DISTRICTS:
        specs.append(UnitSpec(district.code, district.name, UnitKind.REGION, CITY_CODE))
        for plan in district.departments:
            _department(plan, parent=district.code, titles=DISTRICT_TITLES, specs=specs, placements=placements)
        for town in district.townships:
            # Township codes follow GB/T 10114: 001–099 for 街道, 100–199 for 镇.
            specs.append(UnitSpec(town.code, town.name, UnitKind.TOWNSHIP, district.code, "综合执法"))
            placements.append(_squad(town.code, town.staffing, 0.3))
    return specs, placements


# Common surnames, most frequent first; weights fall off with rank as in the census.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = tuple(1 / (rank + 6) for rank in range(len(SURNAMES)))
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文海东亮峰春晨博毅振宏彬"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英慧巧美婷雪琳晶颖倩玲洁燕红梅兰萍莉琴云月佳欣怡璐瑶"
SHARED_CHARS = "华晓立嘉子思雨永新天金玉正德安"
# Birthplaces: the city's own districts mostly, and a few neighbouring provinces.
BIRTH_REGIONS = ("120101", "120102", "120103", "120104", "120105", "120106", "120110", "120111", "120112")
OTHER_REGIONS = ("130102", "130603", "370102", "410102", "210102", "140105")
PHONE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "158", "159", "186", "187", "188")


@dataclass
class PersonSpec:
    name: str
    id_number: str
    unit_code: str
    post_type: str
    status: str = PersonStatus.ACTIVE
    employment_kind: str = EmploymentKind.ESTABLISHED
    is_public_lawyer: bool = False
    legal_qualification_no: str = ""
    appointed_on: dt.date | None = None
    phone: str = ""
    title: str = ""

    def values(self) -> dict:
        """The keyword arguments for `person_create`, less the unit (looked up by code)."""
        values = asdict(self)
        del values["unit_code"]
        return values


def make_id_number(*, region: str, birth: dt.date, sequence: int) -> str:
    """A valid 18-character ID number (GB 11643); an odd sequence is a man, an even one a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


#: The officer behind the `officer` demo account, fixed so the tour can name them.
FEATURED_OFFICER = PersonSpec(
    name="王志强",
    id_number=make_id_number(region="120101", birth=dt.date(1986, 5, 12), sequence=37),
    unit_code="1201010103",
    post_type=PostType.ENFORCEMENT,
    appointed_on=dt.date(2015, 3, 1),
    phone="13802211437",
    title="四级主任科员",
)


class _PeopleGenerator:
    """Draws names, ID numbers and careers from one seeded generator.

    Only `random()` is drawn for anything that depends on today's date, so the sequence of
    draws, and therefore every name and ID number, is the same whatever day the seed runs.
    """

    def __init__(self, *, today: dt.date):
        self.rng = random.Random(SEED)
        self.today = today
        self.names: set[str] = {FEATURED_OFFICER.name}
        self.id_numbers: set[str] = {FEATURED_OFFICER.id_number}

    def _name(self, *, male: bool) -> str:
        rng = self.rng
        own = MALE_CHARS if male else FEMALE_CHARS
        while True:
            surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
            if rng.random() < 0.3:
                given = rng.choice(own)
            else:
                given = rng.choice(own + SHARED_CHARS) + rng.choice(own)
            name = surname + given
            if name not in self.names:
                self.names.add(name)
                return name

    def _id_number(self, *, region: str, birth: dt.date, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            number = make_id_number(region=region, birth=birth, sequence=sequence)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def _appointed_on(self, *, birth: dt.date) -> dt.date:
        rng = self.rng
        new_this_year, position, month, day = rng.random(), rng.random(), rng.random(), rng.random()
        if new_this_year < 0.07:
            # Appointed during the current year: these people get pro-rated training hours (R1a).
            date = dt.date(self.today.year, 1 + int(month * 12), 1 + int(day * 28))
            return min(date, self.today)
        first = max(birth.year + 22, 1992)
        last = max(first, self.today.year - 1)
        return dt.date(first + int(position * (last - first + 1)), 1 + int(month * 12), 1 + int(day * 28))

    def person(self, *, unit_code: str, post_type: str, titles, contract_share: float, status: str) -> PersonSpec:
        rng = self.rng
        male = rng.random() < (0.68 if post_type == PostType.ENFORCEMENT else 0.5)
        if status == PersonStatus.RETIRED:
            birth_year = rng.choice(range(1955, 1964))
        else:
            birth_year = rng.choice(range(1966, 2001))
        birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        home = unit_code[:6] if unit_code[:6] in BIRTH_REGIONS and rng.random() < 0.6 else None
        region = home or (rng.choice(BIRTH_REGIONS) if rng.random() < 0.85 else rng.choice(OTHER_REGIONS))
        spec = PersonSpec(
            name=self._name(male=male),
            id_number=self._id_number(region=region, birth=birth, male=male),
            unit_code=unit_code,
            post_type=post_type,
            status=status,
            appointed_on=self._appointed_on(birth=birth),
            title=rng.choice(titles) if rng.random() < 0.9 else "",
        )
        if rng.random() < 0.6:
            spec.phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if post_type == PostType.LEGAL_REVIEW:
            if rng.random() < 0.2:
                # Legal advisers from law firms may serve as reviewers (R11); they hold the qualification.
                spec.employment_kind = EmploymentKind.EXTERNAL_ADVISER
                spec.title = "法律顾问"
                spec.legal_qualification_no = self._qualification_no()
            else:
                spec.is_public_lawyer = rng.random() < 0.35
                if rng.random() < 0.7:
                    spec.legal_qualification_no = self._qualification_no()
        elif rng.random() < contract_share:
            spec.employment_kind = EmploymentKind.CONTRACT
        return spec

    def _qualification_no(self) -> str:
        return f"A{self.rng.choice(range(2008, 2024))}12{self.rng.randrange(10**8):08d}"

    def inactive_status(self) -> str:
        draw = self.rng.random()
        if draw < 0.55:
            return PersonStatus.RETIRED
        return PersonStatus.TRANSFERRED if draw < 0.85 else PersonStatus.LEFT


def _staff(generator: _PeopleGenerator, place: Placement) -> list[PersonSpec]:
    """The people of one accountable unit: other staff, reviewers, officers, then those who left."""
    staffing = place.staffing

    def draw(unit_code: str, post_type: str, status: str = PersonStatus.ACTIVE) -> PersonSpec:
        return generator.person(
            unit_code=unit_code,
            post_type=post_type,
            titles=place.titles,
            contract_share=place.contract_share,
            status=status,
        )

    people = [draw(place.other_unit, PostType.OTHER) for _ in range(staffing.others)]
    people += [draw(place.reviewer_unit, PostType.LEGAL_REVIEW) for _ in range(staffing.reviewers)]
    people += [
        draw(place.officer_units[index % len(place.officer_units)], PostType.ENFORCEMENT)
        for index in range(staffing.officers)
    ]
    for index in range(staffing.inactive):
        # A unit with no reviewer left has often just lost one: the register shows who it was.
        if staffing.reviewers == 0 and index == 0:
            people.append(draw(place.reviewer_unit, PostType.LEGAL_REVIEW, generator.inactive_status()))
        else:
            unit_code = generator.rng.choice(place.officer_units)
            people.append(draw(unit_code, PostType.ENFORCEMENT, generator.inactive_status()))
    return people


def people_plan(*, today: dt.date) -> list[PersonSpec]:
    """Every person of the demo city, in a fixed order."""
    _specs, placements = unit_plan()
    generator = _PeopleGenerator(today=today)
    people = [FEATURED_OFFICER]
    for place in placements:
        people += _staff(generator, place)
    return people


@dataclass(frozen=True)
class AccountPlan:
    username: str
    display_name: str
    role: str | None
    unit_code: str | None = None
    person_id_number: str | None = None


ACCOUNTS = (
    AccountPlan("admin", "系统管理员", None),
    AccountPlan("officer", FEATURED_OFFICER.name, Role.OFFICER, person_id_number=FEATURED_OFFICER.id_number),
    AccountPlan("hr", "和平区人事管理员", Role.HR_ADMIN, "120101"),
    AccountPlan("head", "市市场监管局负责人", Role.DEPARTMENT_HEAD, "12000001"),
    AccountPlan("authority", "市司法局发证管理员", Role.ISSUING_AUTHORITY, CITY_CODE),
    AccountPlan("editor", "课程考试管理员", Role.CONTENT_EDITOR, CITY_CODE),
)


@dataclass
class DemoAccount:
    username: str
    password: str
    role: str | None
    scope: str


@dataclass
class SeedReport:
    units_created: int = 0
    people_created: int = 0
    users_created: int = 0
    homepage_published: bool = False
    units_total: int = 0
    people_total: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def _seed_units(report: SeedReport) -> dict[str, Unit]:
    specs, _placements = unit_plan()
    existing = set(Unit.objects.filter(code__in=[s.code for s in specs]).values_list("code", flat=True))
    for spec in specs:
        if spec.code in existing:
            continue
        # Fetched afresh each time: treebeard places a child from the parent's current child count.
        parent = Unit.objects.get(code=spec.parent) if spec.parent else None
        unit_create(
            parent=parent,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            domain=spec.domain,
            reviewer_basis=spec.reviewer_basis,
        )
        report.units_created += 1
    return {unit.code: unit for unit in Unit.objects.filter(code__in=[s.code for s in specs])}


def _seed_people(report: SeedReport, units: dict[str, Unit], today: dt.date) -> None:
    plan = people_plan(today=today)
    existing = set(Person.objects.filter(id_number__in=[p.id_number for p in plan]).values_list("id_number", flat=True))
    for spec in plan:
        if spec.id_number in existing:
            continue
        person_create(unit=units[spec.unit_code], **spec.values())
        report.people_created += 1


def _seed_accounts(report: SeedReport, units: dict[str, Unit]):
    User = get_user_model()
    ensure_role_groups()
    admin = None
    for plan in ACCOUNTS:
        user = User.objects.filter(username=plan.username).first()
        if user is None:
            user = User(username=plan.username, first_name=plan.display_name, email=f"{plan.username}@example.org")
            validate_password(DEMO_PASSWORD, user)
            user.set_password(DEMO_PASSWORD)
            if plan.role is None:
                user.is_superuser = user.is_staff = True
            user.save()
            report.users_created += 1
        elif not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if plan.role is None:
            admin = user
        profile = UserProfile.get_for_user(user)
        if profile.preferred_language != "zh-hans":
            # The demo accounts see the admin in Chinese whatever language their browser asks for.
            profile.preferred_language = "zh-hans"
            profile.save(update_fields=["preferred_language"])

        if plan.person_id_number:
            person = Person.objects.select_related("unit").get(id_number=plan.person_id_number)
            if person.user_id != user.pk:
                person_link_user(person=person, user=user, actor=admin)
            scope = f"{person.name} · {' / '.join(u.name for u in [*unit_ancestors(unit=person.unit), person.unit][1:])}"
        elif plan.role:
            unit = units[plan.unit_code]
            role_assign(user=user, role=plan.role, unit=unit, actor=admin)
            scope = unit.name
        else:
            scope = ""
        report.accounts.append(DemoAccount(plan.username, DEMO_PASSWORD, plan.role, scope))
    return admin


HOME_INTRO = (
    "<p>本平台服务于示例市各行政执法部门，承担行政执法人员的在线培训、资格考试、"
    "执法证件管理与公开查询，落实执法人员持证上岗和全过程留痕管理要求。</p>"
)


def _home_body() -> list[dict]:
    def card(title: str, text: str, url: str) -> dict:
        # ListBlock reads its items in block format only when each carries an id.
        return {"type": "item", "value": {"title": title, "text": text, "url": url}, "id": str(uuid.uuid4())}

    return [
        {"type": "heading", "value": "办事入口"},
        {
            "type": "cards",
            "value": [
                card("我的信息", "查看本人在行政执法人员信息库中的登记信息、所在单位和角色。", "/me/"),
                card("管理后台", "单位人事管理员、部门负责人、发证机关和课程考试管理员在此办理业务。", "/admin/"),
                card("登录", "使用本单位人事管理员开通的账号登录平台。", "/accounts/login/"),
            ],
        },
        {"type": "heading", "value": "培训要求"},
        {
            "type": "paragraph",
            "value": (
                "<p>行政执法人员和法制审核人员每年应完成不少于 <b>60 学时</b> 的培训，"
                "内容涵盖公共法律知识、业务知识和行政执法技能三类。年度中新任职的人员，"
                "按任职当月至年底的月数折算应完成学时。</p>"
                "<p>习近平法治思想、宪法、行政许可法、行政处罚法、行政强制法、行政复议法为必修内容。</p>"
            ),
        },
        {"type": "heading", "value": "资格考试与执法证件"},
        {
            "type": "paragraph",
            "value": (
                "<p>未通过公共法律知识考试的，不得取得行政执法资格；新申领执法证件的人员还须参加专业法律知识"
                "培训和考试，已取得国家法律职业资格的人员可免于资格考试。</p>"
                "<p>行政执法人员须持有效证件上岗。证件的申领、发放、暂扣、收回和注销均记录在证件档案中，"
                "全程留痕、可回溯。</p>"
            ),
        },
        {"type": "heading", "value": "即将开通"},
        {
            "type": "paragraph",
            "value": (
                "<p>在线课程、在线考试和执法证件公开查询功能正在建设中。开通后，社会公众可通过证件编号"
                "或扫描证件二维码核验执法证件的真实性和当前状态。</p>"
            ),
        },
    ]


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _seed_homepage(report: SeedReport, admin) -> None:
    page = HomePage.objects.first()
    if page is None:
        raise ApplicationError("未找到门户首页，请先执行数据库迁移（python manage.py migrate）。")
    body = _home_body()
    unchanged = (
        page.intro == HOME_INTRO
        and _without_ids(list(page.body.raw_data)) == _without_ids(body)
        and page.live_revision_id is not None
        and not page.has_unpublished_changes
    )
    if unchanged:
        return
    page.intro = HOME_INTRO
    page.body = body
    revision = page.save_revision(user=admin, log_action=True)
    revision.publish(user=admin)
    report.homepage_published = True


def _seed_settings() -> None:
    portal_settings = PortalSettings.load()
    if not portal_settings.footer_note:
        portal_settings.footer_note = "本站为演示环境，所列单位和人员均为虚构。"
        portal_settings.save(update_fields=["footer_note"])


@transaction.atomic
def seed_demo(*, today: dt.date | None = None) -> SeedReport:
    """Build (or complete) the demo city; returns what was created and the demo accounts."""
    today = today or timezone.localdate()
    report = SeedReport()
    units = _seed_units(report)
    _seed_people(report, units, today)
    admin = _seed_accounts(report, units)
    _seed_homepage(report, admin)
    _seed_settings()
    report.units_total = Unit.objects.count()
    report.people_total = Person.objects.count()
    return report
