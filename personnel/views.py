"""The personnel register in the Wagtail admin: units, people and role assignments.

Scoping (R17, DESIGN §4): every view here reaches its objects through the model's permission
policy (personnel/permissions.py), which applies the unit-subtree rule of personnel/selectors.py.

- A listing (index, its results, exports) is the policy's queryset for the user.
- An object view (edit, delete, inspect, history, usage, account) looks the object up in that
  queryset *before* any other permission check, and checks it again after any lookup:
  an object outside the user's scope is **not found (404)**, whatever the user's role, so the
  admin never confirms that it exists; an object in scope on which the user's roles do not grant
  the view's action is **permission denied** (Wagtail answers with a redirect to the admin home
  and a message).
- `ScopedModelViewSet` refuses to register a URL whose view does not use these mixins, so a view
  added later cannot escape the rule.

Writes go through personnel/services.py, which write the one audit entry per change (R16);
Wagtail's own create/edit/delete actions, which would log a second entry, are never called.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.auth import require_admin_access
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.models import ModelLogEntry

from portal.errors import ApplicationError

from .forms import AccountCreateForm, PersonForm, RoleAssignmentForm, UnitForm, UnitTreeLabelMixin
from .idnumber import mask_id_number
from .imports import PersonImport, UnitImport
from .models import (
    EmploymentKind,
    Person,
    PersonStatus,
    PostType,
    ReviewerBasis,
    ReviewerRuleDefaults,
    RoleAssignment,
    Unit,
    UnitKind,
)
from .permissions import VIEW_ACTIONS, person_permission_policy, personnel_log_entries_q, unit_permission_policy
from .selectors import person_search, unit_search
from .services import (
    person_create,
    person_create_account,
    person_delete,
    person_update,
    role_assign,
    role_revoke,
    unit_create,
    unit_delete,
    unit_delete_check,
    unit_update,
)

# --------------------------------------------------------------------------------------------
# Scoping mixins
# --------------------------------------------------------------------------------------------


class ScopedViewMixin:
    """Base of every personnel admin view: the objects the user may see come from the policy."""

    #: select_related() lookups for the scoped queryset, set by the viewset.
    scoped_select_related: tuple[str, ...] = ()

    def get_scoped_queryset(self):
        queryset = self.permission_policy.instances_user_has_any_permission_for(self.request.user, VIEW_ACTIONS)
        if self.scoped_select_related:
            queryset = queryset.select_related(*self.scoped_select_related)
        return queryset

    def user_can(self, action: str, instance) -> bool:
        return self.permission_policy.user_has_permission_for_instance(self.request.user, action, instance)


class ScopedListingMixin(ScopedViewMixin):
    """Index views: list the scoped queryset and offer per-row actions only where the policy allows them."""

    def get_base_queryset(self):
        return self.get_scoped_queryset()

    def get_edit_url(self, instance):
        if self.edit_url_name and self.user_can("change", instance):
            return reverse(self.edit_url_name, args=(quote(instance.pk),))

    def get_delete_url(self, instance):
        if self.delete_url_name and self.user_can("delete", instance):
            return reverse(self.delete_url_name, args=(quote(instance.pk),))

    def get_list_more_buttons(self, instance):
        # Wagtail's "Inspect" reads as 检查 (to audit) in Chinese; 查看 is what the action is.
        inspect_url = self.get_inspect_url(instance)
        buttons = super().get_list_more_buttons(instance)
        for button in buttons:
            if inspect_url and button.url == inspect_url:
                button.label = _("查看")
        return buttons


class ScopedObjectMixin(ScopedViewMixin):
    """Views of one object: out of scope is 404 before anything else; in scope without the action is 403."""

    #: The user must hold one of these actions on the object itself.
    object_actions: tuple[str, ...] = VIEW_ACTIONS
    _scoped_object = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Resolved here, before PermissionCheckedMixin.dispatch() checks the model-level
        # permission, so that an object out of scope is "not found" for every user.
        self.object = self.get_object()

    def get_base_object_queryset(self):
        return self.get_scoped_queryset()

    def get_object(self, *args, **kwargs):
        if self._scoped_object is None:
            self._scoped_object = self.check_object_scope(super().get_object(*args, **kwargs))
        return self._scoped_object

    def check_object_scope(self, obj):
        policy, user = self.permission_policy, self.request.user
        if not policy.user_has_any_permission_for_instance(user, VIEW_ACTIONS, obj):
            raise Http404
        if not policy.user_has_any_permission_for_instance(user, self.object_actions, obj):
            raise PermissionDenied
        return obj


class ScopedSingleObjectMixin(ScopedObjectMixin):
    """For views built on Django's SingleObjectMixin (edit, delete), whose lookup goes through get_queryset()."""

    def get_queryset(self):
        return self.get_scoped_queryset()


class ServiceFormMixin:
    """Create and edit views that save through a service; its refusals become form errors."""

    def save_instance(self):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ApplicationError as exc:
            if getattr(self, "object", None) is not None and self.object.pk:
                self.object.refresh_from_db()
            form.add_application_error(exc)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ServiceDeleteMixin:
    """Delete views that delete through a service; a refusal is shown on the confirmation page."""

    template_name = "personnel/confirm_delete.html"

    def get_delete_refusal(self) -> str | None:
        return None

    def delete_with_service(self) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        success_url = self.get_success_url()
        try:
            self.delete_with_service()
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(self.get_delete_url())
        messages.success(self.request, self.get_success_message())
        return redirect(success_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delete_refusal"] = self.get_delete_refusal()
        return context


# --------------------------------------------------------------------------------------------
# Generic scoped views
# --------------------------------------------------------------------------------------------


class ScopedIndexView(ScopedListingMixin, generic.IndexView):
    pass


class ScopedCreateView(ScopedViewMixin, ServiceFormMixin, generic.CreateView):
    def get_breadcrumbs_items(self):
        # Wagtail's "New: …" has no Chinese translation; say it in the register's own words.
        items = super().get_breadcrumbs_items()
        items[-1] = {"url": "", "label": _("新增%(model_name)s") % {"model_name": self.model._meta.verbose_name}}
        return items


class ScopedEditView(ScopedSingleObjectMixin, ServiceFormMixin, generic.EditView):
    object_actions = ("change",)


class ScopedDeleteView(ScopedSingleObjectMixin, ServiceDeleteMixin, generic.DeleteView):
    object_actions = ("delete",)


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    page_title = gettext_lazy("查看")

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return value
    def get_object(self, *args, **kwargs):
        if self._scoped_object is None:
            obj = self.get_scoped_queryset().filter(pk=self.pk).first()
            if obj is None:
                raise Http404
            self._scoped_object = self.check_object_scope(obj)
        return self._scoped_object

    def get_edit_url(self):
        if self.edit_url_name and self.user_can("change", self.object):
            return reverse(self.edit_url_name, args=(quote(self.object.pk),))

    def get_delete_url(self):
        if self.delete_url_name and self.user_can("delete", self.object):
            return reverse(self.delete_url_name, args=(quote(self.object.pk),))


def _display_value(model, field_name: str, value) -> str:
    if value is None or value == "":
        return _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - "parent" and other non-field keys are shown as stored
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _field_label(model, field_name: str) -> str:
    if field_name == "parent":
        return _("上级单位")
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001 - keys that are not model fields keep their own name
        return field_name


def describe_changes(model, data: dict | None) -> str:
    """The changed fields of an audit entry, as the services record them (R16): "岗位类别：执法 → 法制审核"."""
    changes = (data or {}).get("changes") or {}
    parts = []
    for field_name, pair in changes.items():
        old, new = pair
        parts.append(
            _("%(field)s：%(old)s → %(new)s")
            % {
                "field": _field_label(model, field_name),
                "old": _display_value(model, field_name, old),
                "new": _display_value(model, field_name, new),
            }
        )
    return pgettext("list separator", "；").join(parts)


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    object_actions = ("add", "change", "delete")
    verbose_name_plural = gettext_lazy("条记录")

    @cached_property
    def columns(self):
        columns = list(super().columns)
        columns.insert(
            1,
            Column("changes", label=gettext_lazy("变更内容"), accessor=lambda entry: describe_changes(self.model, entry.data)),
        )
        return columns


class ScopedUsageView(ScopedObjectMixin, UsageView):
    object_actions = ("change",)


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view is scoped by the permission policy (see the module docstring)."""

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    # A copy would duplicate a unique ID number or unit code; people and units are created from scratch.
    copy_view_enabled = False
    scoped_select_related: tuple[str, ...] = ()

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(scoped_select_related=self.scoped_select_related, **kwargs)

    def get_extra_urlpatterns(self) -> list:
        """URLs a viewset adds to Wagtail's own; they go through the same check."""
        return []

    def get_urlpatterns(self):
        urlpatterns = super().get_urlpatterns() + self.get_extra_urlpatterns()
        for pattern in urlpatterns:
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is None or not issubclass(view_class, ScopedViewMixin):
                raise ImproperlyConfigured(
                    f"{type(self).__name__}: the view for {pattern.pattern} must use the personnel scoping mixins"
                )
        return urlpatterns


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


class UnitFilterField(UnitTreeLabelMixin, django_filters.fields.ModelChoiceField):
    pass


class UnitSubtreeChoiceFilter(django_filters.ModelChoiceFilter):
    """Filter by a unit and everything under it; the choices are the user's units, shown as a tree."""

    field_class = UnitFilterField

    def __init__(self, *args, policy, lookup_prefix: str, **kwargs):
        self.policy = policy
        self.lookup_prefix = lookup_prefix
        super().__init__(*args, queryset=self._units, empty_label=gettext_lazy("全部"), **kwargs)

    def _units(self, request):
        return self.policy.scope_units(request.user, VIEW_ACTIONS).order_by("path")

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.lookup_prefix}path__startswith": value.path})


def _choice_filter(label, choices):
    return django_filters.ChoiceFilter(
        label=label, choices=choices, empty_label=gettext_lazy("全部"), widget=forms.RadioSelect
    )


class PersonFilterSet(WagtailFilterSet):
    unit = UnitSubtreeChoiceFilter(label=gettext_lazy("单位（含下级）"), policy=person_permission_policy, lookup_prefix="unit__")
    post_type = _choice_filter(gettext_lazy("岗位类别"), PostType.choices)
    status = _choice_filter(gettext_lazy("人员状态"), PersonStatus.choices)
    employment_kind = _choice_filter(gettext_lazy("人员类别"), EmploymentKind.choices)

    class Meta:
        model = Person
        fields = []


class UnitFilterSet(WagtailFilterSet):
    within = UnitSubtreeChoiceFilter(label=gettext_lazy("所属单位（含下级）"), policy=unit_permission_policy, lookup_prefix="")
    kind = _choice_filter(gettext_lazy("单位类型"), UnitKind.choices)

    class Meta:
        model = Unit
        fields = []


# --------------------------------------------------------------------------------------------
# People (人员)
# --------------------------------------------------------------------------------------------

#: Formula-like cell starts that spreadsheet programs would evaluate (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


class PersonalDataMixin:
    """R17: who may change a person's record sees their ID number, birth date and phone in full;
    who may only view it (department head, issuing authority) sees them masked."""

    def shows_personal_data(self, person: Person) -> bool:
        return self.user_can("change", person)

    def shown_id_number(self, person: Person) -> str:
        return person.id_number if self.shows_personal_data(person) else mask_id_number(person.id_number)

    def shown_phone(self, person: Person) -> str:
        if not person.phone or self.shows_personal_data(person):
            return person.phone
        return mask_phone(person.phone)


class PersonIndexView(PersonalDataMixin, ScopedIndexView):
    add_item_label = gettext_lazy("新增人员")
    export_filename = gettext_lazy("人员名册")
    list_export = [
        "name",
        "id_number",
        "unit_code",
        "unit_name",
        "post_type",
        "status",
        "employment_kind",
        "appointed_on",
        "legal_qualification_no",
        "is_public_lawyer",
        "phone",
        "title",
    ]
    # The headings and the values are the import contract's (DESIGN §5.1) in every language, so an
    # HR export can be corrected and re-imported; 单位名称 is there for reading and ignored on import.
    export_headings = {
        **{column.field: column.header for column in PersonImport.columns},
        "unit_name": UnitImport().column("name").header,
    }

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name"),
            Column("id_number", label=gettext_lazy("身份证号"), accessor=self.shown_id_number),
            Column("unit", label=gettext_lazy("单位"), accessor="unit.name", sort_key="unit__path"),
            Column("post_type", label=gettext_lazy("岗位类别"), accessor="get_post_type_display", sort_key="post_type"),
            Column("status", label=gettext_lazy("人员状态"), accessor="get_status_display", sort_key="status"),
            Column("appointed_on", label=gettext_lazy("任职日期"), accessor="appointed_on", sort_key="appointed_on"),
        ]

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return person_search(queryset=queryset, text=self.search_query)

    def to_row_dict(self, item: Person) -> dict:
        with translation.override(None):
            return self._contract_row(item)

    def _contract_row(self, item: Person) -> dict:
        return {
            "name": item.name,
            "id_number": self.shown_id_number(item),
            "unit_code": item.unit.code,
            "unit_name": item.unit.name,
            "post_type": item.get_post_type_display(),
            "status": item.get_status_display(),
            "employment_kind": item.get_employment_kind_display(),
            "appointed_on": item.appointed_on,
            "legal_qualification_no": item.legal_qualification_no,
            "is_public_lawyer": _("是") if item.is_public_lawyer else _("否"),
            "phone": self.shown_phone(item),
            "title": item.title,
        }

    def preprocess_field_value(self, field, value, export_format):
        return neutralise_formula(super().preprocess_field_value(field, value, export_format))

    def stream_csv(self, queryset):
        # A byte-order mark, so that Excel on a Chinese Windows reads the file as UTF-8.
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        response["Content-Disposition"] = content_disposition_header(True, f"{self.get_filename()}.csv")
        return response


class PersonCreateView(ScopedCreateView):
    def save_instance(self):
        values = self.form.service_values()
        if not self.user_can("add", Person(unit=values["unit"])):
            raise PermissionDenied
        return person_create(actor=self.request.user, **values)


class PersonAccountButtonMixin:
    """Adds 开通登录账号 to the header menu of a person's edit and inspect pages."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if button := self.account_button():
            buttons.append(button)
        return buttons

    def account_button(self):
        person = self.object
        if person.user_id is None and self.user_can("change", person):
            return Button(
                _("开通登录账号"),
                url=reverse("personnel_people:link_account", args=(quote(person.pk),)),
                icon_name="user",
                priority=40,
            )
        return None


class PersonEditView(PersonAccountButtonMixin, ScopedEditView):
    def save_instance(self):
        return person_update(person=self.object, actor=self.request.user, **self.form.service_values())


class PersonDeleteView(ScopedDeleteView):
    """Superusers only (the policy grants `delete` to no role): HR records a departure as a status (R8)."""

    def delete_with_service(self):
        person_delete(person=self.object, actor=self.request.user)


class PersonInspectView(PersonalDataMixin, PersonAccountButtonMixin, ScopedInspectView):
    def get_id_number_display_value(self):
        return self.shown_id_number(self.object)

    def get_phone_display_value(self):
        return self.shown_phone(self.object)

    def get_birth_date_display_value(self):
        if self.shows_personal_data(self.object):
            return self.object.birth_date
        return _("%(year)s年") % {"year": self.object.birth_date.year}

    def get_user_display_value(self):
        return self.object.user.get_username() if self.object.user_id else _("未开通")


class PersonAccountView(ScopedObjectMixin, PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView):
    """开通登录账号: an HR admin in scope opens an officer account for a person of the register."""

    model = Person
    permission_required = "change"
    object_actions = ("change",)
    form_class = AccountCreateForm
    template_name = "personnel/person/account_form.html"
    header_icon = "user"
    page_title = gettext_lazy("开通登录账号")
    index_url_name = None
    edit_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("人员")},
            {"url": reverse(self.edit_url_name, args=(quote(self.object.pk),)), "label": str(self.object)},
            {"url": "", "label": _("开通登录账号")},
        ]

    def get_initial(self):
        return {"username": self.object.phone or ""}

    def form_valid(self, form):
        try:
            user = person_create_account(
                person=self.object,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                actor=self.request.user,
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已为“%(name)s”开通登录账号 %(username)s，角色为执法人员") % {"name": self.object.name, "username": user.username},
        )
        return redirect(reverse(self.edit_url_name, args=(quote(self.object.pk),)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["cancel_url"] = reverse(self.edit_url_name, args=(quote(self.object.pk),))
        return context


class PersonViewSet(ScopedModelViewSet):
    model = Person
    name = "personnel_people"
    url_prefix = "personnel/people"
    icon = "user"
    menu_label = gettext_lazy("人员")
    menu_order = 200
    add_to_reference_index = False
    list_per_page = 50
    search_fields = ["name", "id_number"]
    scoped_select_related = ("unit",)
    index_view_class = PersonIndexView
    add_view_class = PersonCreateView
    edit_view_class = PersonEditView
    delete_view_class = PersonDeleteView
    inspect_view_class = PersonInspectView
    inspect_view_fields = [
        "name",
        "id_number",
        "gender",
        "birth_date",
        "unit",
        "post_type",
        "status",
        "employment_kind",
        "appointed_on",
        "title",
        "is_public_lawyer",
        "legal_qualification_no",
        "phone",
        "user",
        "created_at",
        "updated_at",
    ]
    panels = [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("name"), FieldPanel("id_number")]), FieldPanel("unit")],
            heading=gettext_lazy("基本信息"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("post_type"), FieldPanel("status")]),
                FieldRowPanel([FieldPanel("employment_kind"), FieldPanel("appointed_on")]),
                FieldPanel("title"),
            ],
            heading=gettext_lazy("岗位"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("legal_qualification_no"), FieldPanel("phone")]),
                FieldPanel("is_public_lawyer"),
            ],
            heading=gettext_lazy("资格与联系方式"),
        ),
    ]

    filterset_class = PersonFilterSet

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=PersonForm).bind_to_model(self.model)

    @property
    def account_view(self):
        return self.construct_view(
            PersonAccountView,
            index_url_name=self.get_url_name("index"),
            edit_url_name=self.get_url_name("edit"),
        )

    def get_extra_urlpatterns(self):
        return [path("account/<int:pk>/", self.account_view, name="link_account")]


# --------------------------------------------------------------------------------------------
# Units (单位)
# --------------------------------------------------------------------------------------------


def _parent_name_subquery():
    return Subquery(
        Unit.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)).values("name")[:1]
    )


class UnitTitleColumn(TitleColumn):
    """The unit's name, indented by its level in the tree (at most six levels; see personnel/admin.css)."""

    cell_template_name = "personnel/unit/title_cell.html"

    def __init__(self, *args, get_level, **kwargs):
        super().__init__(*args, **kwargs)
        self.get_level = get_level

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["tree_level"] = min(self.get_level(instance), 6)
        return context


class ReviewerRuleMixin:
    """Shows the reviewer rule in force for a unit (R11): its own values, or the defaults."""

    @cached_property
    def reviewer_defaults(self) -> ReviewerRuleDefaults:
        return ReviewerRuleDefaults.load(request_or_site=self.request)

    def describe_rule(self, unit: Unit) -> str:
        rule = unit.reviewer_rule(self.reviewer_defaults)
        percent = rule.as_dict()["percent"]
        text = _("%(basis)s的%(percent)s%%") % {"basis": ReviewerBasis(rule.basis).label, "percent": percent}
        if rule.minimum:
            text += _("，至少%(minimum)s人") % {"minimum": rule.minimum}
        overridden = unit.reviewer_basis or unit.reviewer_percent is not None or unit.reviewer_minimum is not None
        return text + (_("（本单位设定）") if overridden else "")


class UnitIndexView(ReviewerRuleMixin, ScopedIndexView):
    add_item_label = gettext_lazy("新增单位")
    default_ordering = "path"

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(parent_name=_parent_name_subquery())

    @cached_property
    def shows_tree(self) -> bool:
        return self.ordering == "path" and not (self.is_searching or self.is_filtering)

    @cached_property
    def min_depth(self) -> int:
        units = self.permission_policy.scope_units(self.request.user, VIEW_ACTIONS)
        return units.aggregate(depth=Min("depth"))["depth"] or 1

    def tree_level(self, unit: Unit) -> int:
        """How far to indent the unit's name: its depth below the user's top units, in tree order only."""
        return max(unit.depth - self.min_depth, 0) if self.shows_tree else 0

    def get_valid_orderings(self):
        return super().get_valid_orderings() + ["path"]

    @cached_property
    def columns(self):
        return [
            self._get_title_column("name", column_class=UnitTitleColumn, get_level=self.tree_level),
            Column("code", label=gettext_lazy("单位编码"), accessor="code", sort_key="code"),
            Column("kind", label=gettext_lazy("单位类型"), accessor="get_kind_display", sort_key="kind"),
            Column("domain", label=gettext_lazy("执法领域"), accessor="domain"),
            Column("parent", label=gettext_lazy("上级单位"), accessor="parent_name"),
            Column("reviewer_rule", label=gettext_lazy("法制审核配备规则"), accessor=self.describe_rule),
        ]

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return unit_search(queryset=queryset, text=self.search_query)


class UnitCreateView(ScopedCreateView):
    def save_instance(self):
        parent = self.form.parent_value()
        parent = None if parent is ... else parent
        if parent is not None and not self.user_can("add", parent):
            raise PermissionDenied
        return unit_create(parent=parent, actor=self.request.user, **self.form.service_values())


class UnitEditView(ScopedEditView):
    def save_instance(self):
        return unit_update(
            unit=self.object, parent=self.form.parent_value(), actor=self.request.user, **self.form.service_values()
        )


class UnitDeleteView(ScopedDeleteView):
    def get_delete_refusal(self):
        try:
            unit_delete_check(unit=self.object)
        except ApplicationError as exc:
            return exc.message
        return None

    def delete_with_service(self):
        unit_delete(unit=self.object, actor=self.request.user)


class UnitInspectView(ReviewerRuleMixin, ScopedInspectView):
    def get_parent_display_value(self):
        return self.object.get_parent() if self.object.depth > 1 else _("（顶级单位）")

    def get_reviewer_rule_display_value(self):
        return self.describe_rule(self.object)

    def get_field_label(self, field_name, field):
        labels = {"parent": _("上级单位"), "reviewer_rule": _("现行法制审核配备规则")}
        return labels.get(field_name) or super().get_field_label(field_name, field)


class UnitViewSet(ScopedModelViewSet):
    model = Unit
    name = "personnel_units"
    url_prefix = "personnel/units"
    icon = "site"
    menu_label = pgettext_lazy("heading", "单位")
    menu_order = 100
    list_per_page = 100
    search_fields = ["name", "code"]
    index_view_class = UnitIndexView
    add_view_class = UnitCreateView
    edit_view_class = UnitEditView
    delete_view_class = UnitDeleteView
    inspect_view_class = UnitInspectView
    inspect_view_fields = [
        "code",
        "name",
        "kind",
        "domain",
        "parent",
        "reviewer_rule",
        "reviewer_basis",
        "reviewer_percent",
        "reviewer_minimum",
        "created_at",
        "updated_at",
    ]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("parent", permission="personnel.add_unit"),
                FieldRowPanel(
                    [FieldPanel("code", permission="personnel.add_unit"), FieldPanel("name", permission="personnel.add_unit")]
                ),
                FieldRowPanel(
                    [FieldPanel("kind", permission="personnel.add_unit"), FieldPanel("domain", permission="personnel.add_unit")]
                ),
            ],
            heading=gettext_lazy("单位信息"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("reviewer_basis"),
                FieldRowPanel([FieldPanel("reviewer_percent"), FieldPanel("reviewer_minimum")]),
            ],
            heading=gettext_lazy("法制审核人员配备规则"),
            help_text=gettext_lazy("留空的项目使用“设置 › 法制审核配备规则”中的全局默认值"),
        ),
    ]

    filterset_class = UnitFilterSet

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=UnitForm).bind_to_model(self.model)


# --------------------------------------------------------------------------------------------
# Role assignments (角色授权)
# --------------------------------------------------------------------------------------------


class RoleAssignmentIndexView(ScopedIndexView):
    add_item_label = gettext_lazy("新增角色授权")
    @cached_property
    def columns(self):
        return [
            self._get_title_column("user", accessor=lambda a: RoleAssignmentForm._user_label(a.user)),
            Column("role", label=gettext_lazy("角色"), accessor="get_role_display", sort_key="role"),
            Column("unit", label=gettext_lazy("管辖单位"), accessor=lambda a: a.unit.name if a.unit_id else _("（本人）")),
            Column("created_at", label=gettext_lazy("授权时间"), accessor="created_at", sort_key="created_at"),
        ]

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(user__username__icontains=self.search_query.strip())


class RoleAssignmentCreateView(ScopedCreateView):
    def save_instance(self):
        values = self.form.service_values()
        return role_assign(user=values["user"], role=values["role"], unit=values.get("unit"), actor=self.request.user)


class RoleAssignmentDeleteView(ScopedDeleteView):
    def delete_with_service(self):
        role_revoke(assignment=self.object, actor=self.request.user)


class RoleAssignmentViewSet(ScopedModelViewSet):
    model = RoleAssignment
    name = "personnel_roles"
    url_prefix = "personnel/roles"
    icon = "key"
    menu_label = gettext_lazy("角色授权")
    menu_order = 300
    list_per_page = 50
    search_fields = ["user__username"]
    scoped_select_related = ("user", "unit")
    index_view_class = RoleAssignmentIndexView
    add_view_class = RoleAssignmentCreateView
    delete_view_class = RoleAssignmentDeleteView
    inspect_view_fields = ["user", "role", "unit", "created_at"]
    panels = [FieldPanel("user"), FieldPanel("role"), FieldPanel("unit")]

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=RoleAssignmentForm).bind_to_model(self.model)


class PersonnelViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("人员管理")
    menu_icon = "group"
    menu_order = 250
    items = (UnitViewSet, PersonViewSet, RoleAssignmentViewSet)


# --------------------------------------------------------------------------------------------
# Site history (网站历史)
# --------------------------------------------------------------------------------------------


class ScopedSiteHistoryView(LogEntriesView):
    """Wagtail's site history, without the personnel entries of objects outside the user's scope.

    Served in place of Wagtail's own report (see `site_history_urlpatterns`): the stock report
    lists every entry of a model the user holds any permission on, which for an HR admin would
    name the people of every district.
    """

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if queryset.model is ModelLogEntry:
            scope = personnel_log_entries_q(self.request.user)
            if scope is not None:
                queryset = queryset.filter(scope)
        return queryset


#: Mounted by portal/urls.py at admin/reports/, ahead of Wagtail's admin URLs, so that these win.
site_history_urlpatterns = [
    path("site-history/", require_admin_access(ScopedSiteHistoryView.as_view()), name="personnel_site_history"),
    path(
        "site-history/results/",
        require_admin_access(ScopedSiteHistoryView.as_view(results_only=True)),
        name="personnel_site_history_results",
    ),
]
