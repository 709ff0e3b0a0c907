"""The admin's upload form for spreadsheet imports."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入类型"))
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件，CSV 可为 UTF-8 或 GBK 编码"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅校验"),
        required=False,
        help_text=gettext_lazy("只检查文件中的错误，不写入任何数据"),
    )

    def __init__(self, *args, kinds: list[ImportKind], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.name, kind.label) for kind in kinds]
        self.fields["file"].help_text = _("Excel（.xlsx）或 CSV 文件，CSV 可为 UTF-8 或 GBK 编码，大小不超过 %(limit)d MB") % {
            "limit": self.max_upload_mb
        }

    @property
    def max_upload_mb(self) -> int:
        return settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件过大：不能超过 %(limit)d MB，请拆分后分批导入") % {"limit": self.max_upload_mb}
            )
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("仅支持 .xlsx 和 .csv 文件"))
        return upload
