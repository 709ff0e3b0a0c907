"""`manage.py import_records KIND FILE [--dry-run] [--json] [--user USERNAME]` (DESIGN §5.1).

Exit codes: 0 written (or valid, with --dry-run); 1 validation errors, nothing written;
2 the file is unreadable or of the wrong kind, the kind is unknown, or the user does not exist.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.imports import ImportRefused, get_kind, run_import
from portal.imports.engine import refused_result_dict

EXIT_INVALID = 1
EXIT_REFUSED = 2


class Command(BaseCommand):
    help = gettext_lazy("从 Excel（.xlsx）或 CSV 文件导入单位、人员等数据")

    def add_arguments(self, parser):
        parser.add_argument("kind", help=gettext_lazy("导入类型，例如 units、personnel"))
        parser.add_argument("file", help=gettext_lazy(".xlsx 或 .csv 文件路径"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只校验，不写入"))
        parser.add_argument("--json", action="store_true", help=gettext_lazy("以 JSON 输出结果"))
        parser.add_argument("--user", help=gettext_lazy("以该账号的身份和管辖范围导入（默认：系统）"))

    def handle(self, *args, **options):
        as_json = options["json"]
        try:
            kind = get_kind(options["kind"])
            actor = self._actor(options["user"])
            path = Path(options["file"])
            try:
                data = path.read_bytes()
            except OSError:
                raise ImportRefused(_("无法读取文件「%(path)s」") % {"path": path}) from None
            result = run_import(kind=kind, data=data, filename=path.name, actor=actor, dry_run=options["dry_run"])
        except ImportRefused as exc:
            if as_json:
                self._print_json(refused_result_dict(exc.message))
            raise CommandError(exc.message, returncode=EXIT_REFUSED) from None

        if as_json:
            self._print_json(result.as_dict())
        else:
            self._print_summary(kind=kind, path=path, result=result)
        if result.errors:
            raise CommandError(
                _("校验未通过：%(count)d 处错误，未写入任何数据") % {"count": len(result.errors)},
                returncode=EXIT_INVALID,
            )

    def _actor(self, username: str | None):
        if not username:
            return None
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise ImportRefused(_("账号「%(username)s」不存在") % {"username": username})
        return user

    def _print_json(self, payload: dict) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False))

    def _print_summary(self, *, kind, path: Path, result) -> None:
        write = self.stdout.write
        write(_("导入类型：%(label)s（%(name)s）") % {"label": kind.label, "name": kind.name})
        write(_("文件：%(path)s") % {"path": path})
        counts = {"created": result.created, "updated": result.updated, "skipped": result.skipped}
        if result.errors:
            write(self.style.ERROR(_("校验未通过，未写入任何数据。")))
        elif result.dry_run:
            write(self.style.SUCCESS(_("仅校验：全部通过，未写入数据。")))
            write(_("正式导入将新增 %(created)d 条，更新 %(updated)d 条，跳过 %(skipped)d 条（与现有记录相同）。") % counts)
        else:
            write(self.style.SUCCESS(_("导入完成：新增 %(created)d 条，更新 %(updated)d 条，跳过 %(skipped)d 条（与现有记录相同）。") % counts))
        if result.warnings:
            write(_("提示（%(count)d 条）：") % {"count": len(result.warnings)})
            for warning in result.warnings:
                write(f"  - {warning}")
        if result.errors:
            write(_("错误（%(count)d 处）：") % {"count": len(result.errors)})
            for error in result.errors:
                where = _("第 %(row)d 行") % {"row": error["row"]}
                if error["column"]:
                    where += f"「{error['column']}」"
                write(f"  {where}：{error['message']}")
