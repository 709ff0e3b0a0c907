"""Admin forms for the personnel register. They validate input; the services write it."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal.errors import ApplicationError

from .idnumber import InvalidIdNumber, parse_id_number
from .models import Person, PostType, ReviewerBasis, Role, RoleAssignment, Unit
from .permissions import person_permission_policy, unit_permission_policy
from .services import PERSON_FIELDS, UNIT_FIELDS


class UnitTreeLabelMixin:
    """Labels units as a tree: each name indented by its depth below the shallowest choice, with its code."""

    def label_from_instance(self, unit: Unit) -> str:
        if getattr(self, "_min_depth", None) is None:
            self._min_depth = self.queryset.aggregate(depth=Min("depth"))["depth"] or 1
        indent = "\u3000" * max(unit.depth - self._min_depth, 0)
        return indent + pgettext("name with detail", "%(name)s（%(detail)s）") % {"name": unit.name, "detail": unit.code}


class UnitChoiceField(UnitTreeLabelMixin, forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.none())
        super().__init__(*args, **kwargs)

    def set_units(self, queryset) -> None:
        self.queryset = queryset.order_by("path")
        self._min_depth = None


class ServiceModelForm(WagtailAdminModelForm):
    """A model form whose instance is written by a service, never by the form.

    Django's ModelForm copies the cleaned values onto the instance while validating; here the
    instance must stay as stored, so that the service can compare old with new and write one
    audit entry with exactly the fields that changed (R16).
    """

    #: The cleaned fields passed on to the service.
    service_fields: tuple[str, ...] = ()

    def _post_clean(self):
        pass

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.service_fields if name in self.fields}

    def add_application_error(self, exc: ApplicationError) -> None:
        field = exc.extra.get("field")
        self.add_error(field if field in self.fields else None, exc.message)


class PersonForm(ServiceModelForm):
    """人员信息: the unit is chosen among the units where the user may place people."""

    id_number = forms.CharField(
        label=_("身份证号"), max_length=32, help_text=_("18位居民身份证号，末位可为X；不支持15位旧号码")
    )
    unit = UnitChoiceField(label=_("单位"), empty_label=_("请选择单位"))

    service_fields = PERSON_FIELDS

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["unit"].set_units(person_permission_policy.scope_units(self.for_user, [action]))
        self.fields["post_type"].choices = [("", _("请选择岗位类别")), *PostType.choices]

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None


class UnitForm(ServiceModelForm):
    """单位信息. The structural fields (parent, code, name, kind, domain) are for those who may create units;
    an issuing authority changes the reviewer rule only (R11). The panels carry that permission."""

    parent = UnitChoiceField(
        label=_("上级单位"),
        required=False,
        empty_label=_("（无，作为顶级单位）"),
        help_text=_("上级单位变更后，其下级单位随之移动"),
    )

    service_fields = UNIT_FIELDS

    class Meta:
        model = Unit
        fields = ["parent", *UNIT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            field = self.fields["parent"]
            field.set_units(unit_permission_policy.instances_user_has_permission_for(self.for_user, "add"))
            field.required = not getattr(self.for_user, "is_superuser", False)
            if self.instance.pk and self.instance.depth > 1:
                self.initial.setdefault("parent", self.instance.get_parent())
        if "reviewer_basis" in self.fields:
            self.fields["reviewer_basis"].choices = [("", _("（使用默认值）")), *ReviewerBasis.choices]

    def parent_value(self):
        """The chosen parent, or `...` when the user may not move units (the service then leaves it)."""
        return self.cleaned_data["parent"] if "parent" in self.fields else ...


class RoleAssignmentForm(ServiceModelForm):
    """角色授权: which account holds which role over which unit's subtree."""

    user = forms.ModelChoiceField(label=_("登录账号"), queryset=get_user_model().objects.none())
    unit = UnitChoiceField(label=_("管辖单位"), required=False, help_text=_("该角色可见和管理此单位及其下级单位；执法人员角色无需填写"))

    service_fields = ("user", "role", "unit")

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = self._user_label
        self.fields["unit"].set_units(Unit.objects.all())

    @staticmethod
    def _user_label(user) -> str:
        full_name = user.get_full_name()
        if not full_name:
            return user.get_username()
        return pgettext("name with detail", "%(name)s（%(detail)s）") % {"name": user.get_username(), "detail": full_name}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and cleaned["role"] != Role.OFFICER and not cleaned.get("unit"):
            self.add_error("unit", _("该角色必须指定管辖单位"))
        return cleaned


class AccountCreateForm(forms.Form):
    """开通登录账号 for a person of the register."""

    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("登录时使用，建议使用工号或手机号"))
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False)
    password_confirm = forms.CharField(
        label=_("再次输入密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", _("两次输入的密码不一致"))
        return cleaned

    def add_application_error(self, exc: ApplicationError) -> None:
        field = exc.extra.get("field")
        self.add_error(field if field in self.fields else None, exc.message)
