"""Admin screens for spreadsheet imports: upload, template download, job page, progress and history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from portal.errors import ApplicationError
from portal.models import ImportJob
from portal.services import import_job_create

from .engine import ImportKind, all_kinds, build_template
from .forms import ImportUploadForm
from .selectors import import_job_history, import_jobs_visible_to

JOBS_PER_PAGE = 20
ERRORS_PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_INDEX_CRUMB = {"url": reverse_lazy("portal_imports:index"), "label": gettext_lazy("数据导入")}


def _kinds_for(user) -> list[ImportKind]:
    return [kind for kind in all_kinds() if kind.user_may_import(user)]


def _kind_or_404(user, name: str) -> ImportKind:
    for kind in _kinds_for(user):
        if kind.name == name:
            return kind
    raise Http404


def _job_or_404(user, pk: int) -> ImportJob:
    job = import_jobs_visible_to(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class _ImportsBase(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, _INDEX_CRUMB]


class ImportIndexView(_ImportsBase):
    """导入记录: the user's own jobs, newest first (a superuser sees everyone's)."""

    template_name = "portal/imports/index.html"
    page_title = gettext_lazy("数据导入")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_header_buttons(self):
        return [HeaderButton(_("新建导入"), url=reverse("portal_imports:create"), icon_name="plus")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(import_job_history(user=self.request.user), JOBS_PER_PAGE)
        page = paginator.get_page(self.request.GET.get("p"))
        labels = {kind.name: kind.label for kind in all_kinds()}
        for job in page:
            job.kind_label = labels.get(job.kind, job.kind)
            job.has_counts = job.status == ImportJob.Status.SUCCEEDED
        context.update(
            jobs=page,
            elided_page_range=paginator.get_elided_page_range(page.number),
            show_owner=self.request.user.is_superuser,
        )
        return context


class ImportCreateView(_ImportsBase):
    """新建导入: pick a kind, get its template, upload a file (optionally only to check it)."""

    template_name = "portal/imports/create.html"
    page_title = gettext_lazy("新建导入")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_form(self):
        kinds = _kinds_for(self.request.user)
        if self.request.method == "POST":
            return ImportUploadForm(self.request.POST, self.request.FILES, kinds=kinds)
        return ImportUploadForm(kinds=kinds, initial={"kind": self.request.GET.get("kind")})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["kinds"] = _kinds_for(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                job = import_job_create(
                    kind=form.cleaned_data["kind"],
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as exc:
                form.add_error(exc.extra.get("field", None), exc.message)
            else:
                messages.success(request, _("文件已上传，正在处理"))
                return redirect("portal_imports:detail", pk=job.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ImportJobView(_ImportsBase):
    """导入结果: progress while the job runs, then the counts, the errors and the error workbook."""

    template_name = "portal/imports/detail.html"
    page_title = gettext_lazy("导入结果")

    def get(self, request, *args, **kwargs):
        self.job = _job_or_404(request.user, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.job.original_name

    def get_breadcrumbs_items(self):
        label = _("导入结果：%(name)s") % {"name": self.job.original_name}
        return [*super().get_breadcrumbs_items(), {"url": "", "label": label}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        result = job.result or {}
        errors = result.get("errors", [])
        paginator = Paginator(errors, ERRORS_PER_PAGE)
        page = paginator.get_page(self.request.GET.get("p"))
        finished = job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
        context.update(
            job=job,
            kind_label=_kind_label(job.kind),
            result=result,
            finished=finished,
            errors=page,
            error_count=len(errors),
            elided_page_range=paginator.get_elided_page_range(page.number),
            warnings=result.get("warnings", []),
            progress_url=reverse("portal_imports:progress", args=[job.pk]) if not finished else "",
        )
        return context


def _kind_label(name: str):
    for kind in all_kinds():
        if kind.name == name:
            return kind.label
    return name


def _progress_label(job: ImportJob) -> str:
    if job.status == ImportJob.Status.PENDING:
        return _("排队等待处理…")
    if job.status == ImportJob.Status.RUNNING:
        if job.total_rows:
            return _("正在处理：约 %(done)d / %(total)d 行") % {"done": job.processed_rows, "total": job.total_rows}
        return _("正在读取文件…")
    return str(job.get_status_display())


class ImportJobProgressView(View):
    """A small JSON document the job page polls while the job is pending or running."""

    def get(self, request, pk: int):
        job = _job_or_404(request.user, pk)
        finished = job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": str(job.get_status_display()),
                "label": _progress_label(job),
                "processed": job.processed_rows,
                "total": job.total_rows,
                "percent": job.progress_percent,
                "finished": finished,
            },
            json_dumps_params={"ensure_ascii": False},
        )


class ImportErrorFileView(View):
    def get(self, request, pk: int):
        job = _job_or_404(request.user, pk)
        if not job.error_file:
            raise Http404
        try:
            with job.error_file.open("rb") as handle:
                content = handle.read()
        except OSError:
            raise Http404 from None
        stem = job.original_name.rsplit(".", 1)[0]
        return _xlsx_response(content, _("错误清单-%(name)s.xlsx") % {"name": stem})


class ImportTemplateView(View):
    def get(self, request, kind: str):
        import_kind = _kind_or_404(request.user, kind)
        return _xlsx_response(
            build_template(kind=import_kind), _("%(label)s导入模板.xlsx") % {"label": import_kind.label}
        )

