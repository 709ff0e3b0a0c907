from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_role_groups(sender, **kwargs):
    from .services import ensure_role_groups

    ensure_role_groups()


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("人员管理")

    def ready(self):
        post_migrate.connect(_ensure_role_groups, dispatch_uid="personnel.ensure_role_groups")
