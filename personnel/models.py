"""The personnel register (行政执法人员信息库): units, people, roles and the reviewer rule (R11)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .idnumber import InvalidIdNumber, mask_id_number, parse_id_number


class UnitKind(models.TextChoices):
    REGION = "region", _("行政区域")
    DEPARTMENT = "department", _("机关")
    OFFICE = "office", _("内设机构")
    AFFILIATED = "affiliated", _("直属单位")
    TOWNSHIP = "township", _("乡镇街道")


#: Units whose staffing figures are counted (DESIGN §2); offices roll up into them.
ACCOUNTABLE_KINDS = (UnitKind.DEPARTMENT, UnitKind.AFFILIATED, UnitKind.TOWNSHIP)


class ReviewerBasis(models.TextChoices):
    # The same Chinese word is the role's name; English needs the plural here, hence the context.
    ENFORCEMENT_OFFICERS = "enforcement_officers", pgettext_lazy("reviewer basis", "执法人员")
    ALL_STAFF = "all_staff", _("全部人员")


class PostType(models.TextChoices):
    ENFORCEMENT = "enforcement", _("执法")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    OTHER = "other", _("其他")


#: Post types that R1 (training) and R9 (appraisal) apply to.
TRAINED_POST_TYPES = (PostType.ENFORCEMENT, PostType.LEGAL_REVIEW)


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    RETIRED = "retired", _("退休")
    TRANSFERRED = "transferred", _("调离")
    LEFT = "left", _("离职")


class EmploymentKind(models.TextChoices):
    ESTABLISHED = "established", _("在编")
    CONTRACT = "contract", _("聘用")
    EXTERNAL_ADVISER = "external_adviser", _("外聘法律顾问")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Role(models.TextChoices):
    OFFICER = "officer", _("执法人员")
    HR_ADMIN = "hr_admin", _("单位人事管理员")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    ISSUING_AUTHORITY = "issuing_authority", _("发证机关")
    CONTENT_EDITOR = "content_editor", _("课程考试管理员")


@register_setting(icon="cog")
class ReviewerRuleDefaults(BaseGenericSetting):
    """法制审核人员配备规则的默认值 (R11). Units may override each value."""

    basis = models.CharField(
        _("比例基数"), max_length=32, choices=ReviewerBasis.choices, default=ReviewerBasis.ENFORCEMENT_OFFICERS
    )
    percent = models.DecimalField(
        _("最低比例(%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    affiliated_minimum = models.PositiveIntegerField(_("直属单位最少人数"), default=1)
    other_minimum = models.PositiveIntegerField(_("其他单位最少人数"), default=0)

    class Meta:
        verbose_name = _("法制审核配备规则")


@dataclass(frozen=True)
class ReviewerRule:
    """The reviewer rule in force for one unit (R11)."""

    basis: str
    percent: Decimal
    minimum: int

    def required(self, *, enforcement_officers: int, staff_active: int) -> int:
        base = staff_active if self.basis == ReviewerBasis.ALL_STAFF else enforcement_officers
        # Decimal arithmetic keeps 5% of 40 at exactly 2, not 2.0000000000000004.
        return max(self.minimum, math.ceil(self.percent * base / Decimal(100)))

    def as_dict(self) -> dict:
        percent = int(self.percent) if self.percent == self.percent.to_integral_value() else float(self.percent)
        return {"basis": self.basis, "percent": percent, "minimum": self.minimum}


class Unit(MP_Node):
    """单位: a node of the organisation tree (DESIGN §2).

    Chinese nouns have no plural: model names carry a gettext context so that English can tell
    "unit" from "units" (and "person" from "people") while the Chinese msgid stays the same.
    """

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    domain = models.CharField(_("执法领域"), max_length=64, blank=True)
    reviewer_basis = models.CharField(
        _("法制审核比例基数"),
        max_length=32,
        choices=ReviewerBasis.choices,
        blank=True,
        help_text=_("留空则使用全局默认值"),
    )
    reviewer_percent = models.DecimalField(
        _("法制审核比例(%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("留空则使用全局默认值"),
    )
    reviewer_minimum = models.PositiveIntegerField(
        _("法制审核最少人数"), null=True, blank=True, help_text=_("留空则使用全局默认值")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    node_order_by = ["code"]

    class Meta:
        verbose_name = pgettext_lazy("model name", "单位")
        verbose_name_plural = pgettext_lazy("model name plural", "单位")

    def __str__(self) -> str:
        return self.name

    @property
    def is_accountable(self) -> bool:
        return self.kind in ACCOUNTABLE_KINDS

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for this unit and everything under it, on a model reached through `prefix`."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def reviewer_rule(self, defaults: ReviewerRuleDefaults) -> ReviewerRule:
        if self.reviewer_minimum is not None:
            minimum = self.reviewer_minimum
        elif self.kind == UnitKind.AFFILIATED:
            minimum = defaults.affiliated_minimum
        else:
            minimum = defaults.other_minimum
        return ReviewerRule(
            basis=self.reviewer_basis or defaults.basis,
            percent=self.reviewer_percent if self.reviewer_percent is not None else defaults.percent,
            minimum=minimum,
        )


class PersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PersonStatus.ACTIVE)

    def in_subtree(self, unit: Unit):
        return self.filter(unit__path__startswith=unit.path)


class Person(models.Model):
    """执法人员信息: one person of the register, whatever their post."""

    name = models.CharField(_("姓名"), max_length=64)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="people")
    post_type = models.CharField(_("岗位类别"), max_length=16, choices=PostType.choices)
    status = models.CharField(_("人员状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    employment_kind = models.CharField(
        _("人员类别"), max_length=24, choices=EmploymentKind.choices, default=EmploymentKind.ESTABLISHED
    )
    is_public_lawyer = models.BooleanField(_("公职律师"), default=False)
    legal_qualification_no = models.CharField(_("法律职业资格证书编号"), max_length=32, blank=True)
    appointed_on = models.DateField(_("任职日期"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model name", "人员")
        verbose_name_plural = pgettext_lazy("model name plural", "人员")
        ordering = ["unit__path", "name", "pk"]
        indexes = [models.Index(fields=["unit", "status", "post_type"], name="person_unit_status_post")]
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=["M", "F"]), name="person_gender_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    def clean(self) -> None:
        try:
            info = parse_id_number(self.id_number)
        except InvalidIdNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        self.id_number = info.number
        self.birth_date = info.birth_date
        self.gender = info.gender

    def save(self, *args, **kwargs):
        if self.id_number and (not self.birth_date or not self.gender):
            info = parse_id_number(self.id_number)
            self.id_number, self.birth_date, self.gender = info.number, info.birth_date, info.gender
        super().save(*args, **kwargs)


class RoleAssignment(models.Model):
    """角色授权: a role held by a login account, scoped to a unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("管辖单位"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
        null=True,
        blank=True,
        help_text=_("该角色可见和管理此单位及其下级单位；执法人员角色无需填写"),
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "角色授权")
        verbose_name_plural = pgettext_lazy("model name plural", "角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=Q(role="officer") | Q(unit__isnull=False), name="role_assignment_scoped_roles_have_unit"
            ),
        ]

    def __str__(self) -> str:
        if self.unit_id:
            return f"{self.get_role_display()} · {self.unit}"
        return str(self.get_role_display())
