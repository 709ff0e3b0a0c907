"""The site itself: home page, site settings and the record of spreadsheet imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .blocks import HomeBodyBlock


class HomePage(Page):
    """门户首页."""

    intro = RichTextField(_("导语"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(HomeBodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("门户首页")


@register_setting(icon="site")
class PortalSettings(BaseGenericSetting):
    """站点设置: the names and contact details shown on every page."""

    site_title = models.CharField(_("平台名称"), max_length=64, default="执法人员培训·考试·证件管理平台")
    organisation = models.CharField(_("主办单位"), max_length=128, default="示例市司法局")
    contact_phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("咨询邮箱"), blank=True)
    footer_note = models.CharField(_("页脚说明"), max_length=200, blank=True)
    icp_number = models.CharField(_("备案号"), max_length=64, blank=True)

    panels = [
        FieldPanel("site_title"),
        FieldPanel("organisation"),
        FieldPanel("contact_phone"),
        FieldPanel("contact_email"),
        FieldPanel("footer_note"),
        FieldPanel("icp_number"),
    ]

    class Meta:
        verbose_name = _("站点设置")


class ImportJob(models.Model):
    """导入任务: one upload of a spreadsheet through the admin, its progress and its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        SUCCEEDED = "succeeded", _("已完成")
        INVALID = "invalid", _("校验未通过")
        FAILED = "failed", _("文件无法读取")

    kind = models.CharField(_("导入类型"), max_length=32)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error_file = models.FileField(_("错误清单"), upload_to="imports/errors/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "导入任务")
        verbose_name_plural = pgettext_lazy("model name plural", "导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if self.status in (self.Status.SUCCEEDED, self.Status.INVALID, self.Status.FAILED):
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))
