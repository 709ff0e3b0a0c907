"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from personnel.idnumber import check_character
from personnel.models import EmploymentKind, Person, PersonStatus, PostType, Unit, UnitKind


def make_id_number(*, birth: dt.date = dt.date(1985, 6, 15), sequence: int = 1, region: str = "120101") -> str:
    """A valid 18-character ID number; an odd sequence gives a man, an even one a woman."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class UnitFactory(factory.django.DjangoModelFactory):
    """Builds a unit in the tree; pass `parent=` for a child, or nothing for a root."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.DEPARTMENT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        node = parent.add_child(**kwargs)
        parent.refresh_from_db()
        return node


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{'三四五六七八九十'[n % 8]}{n}")
    id_number = factory.Sequence(
        lambda n: make_id_number(birth=dt.date(1970, 1, 1) + dt.timedelta(days=(n * 37) % 12000), sequence=n)
    )
    unit = factory.SubFactory(UnitFactory)
    post_type = PostType.ENFORCEMENT
    status = PersonStatus.ACTIVE
    employment_kind = EmploymentKind.ESTABLISHED
