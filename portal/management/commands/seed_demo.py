"""manage.py seed_demo: build the demo city and print the demo accounts (DESIGN §5.4)."""

from __future__ import annotations

import logging
import unicodedata
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from personnel.models import Role
from portal.demo import seed_demo
from portal.errors import ApplicationError


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up in a terminal, Chinese characters counted as two."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@contextmanager
def _quiet(*logger_names: str):
    """Keep Wagtail's per-page and per-task info lines from burying the accounts table."""
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


class Command(BaseCommand):
    help = gettext_lazy("生成示例市的单位、人员、演示账号和首页内容；重复执行不会产生重复数据。")

    def handle(self, *args, **options):
        try:
            with _quiet("wagtail", "django_tasks"):
                report = seed_demo()
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

        self.stdout.write(
            _("单位：共 %(total)d 个，本次新增 %(created)d 个。")
            % {"total": report.units_total, "created": report.units_created}
        )
        self.stdout.write(
            _("人员：共 %(total)d 名，本次新增 %(created)d 名。")
            % {"total": report.people_total, "created": report.people_created}
        )
        if report.homepage_published:
            self.stdout.write(_("首页内容已更新并发布。"))
        rows = [[_("用户名"), _("密码"), _("角色"), _("管辖范围 / 关联人员")]]
        for account in report.accounts:
            role = Role(account.role).label if account.role else _("系统管理员（超级用户）")
            rows.append([account.username, account.password, str(role), account.scope or _("全部")])
        self.stdout.write("")
        self.stdout.write(_("演示账号（登录地址 /accounts/login/，管理后台 /admin/）："))
        self.stdout.write(format_table(rows))
        self.stdout.write(self.style.SUCCESS(_("示例数据已就绪。")))
