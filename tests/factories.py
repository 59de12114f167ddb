from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from register import services
from register.models import BusinessUnit, LegalEntity, UseCase, User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


def legal_entity(name: str = "Koers Retail BV", **facts: Any) -> LegalEntity:
    existing = LegalEntity.objects.filter(name=name).first()
    return existing or services.legal_entity_create(acting_user=None, name=name, **facts)


def business_unit(name: str = "Unit A", entity: LegalEntity | None = None) -> BusinessUnit:
    entity = entity or legal_entity()
    existing = BusinessUnit.objects.filter(legal_entity=entity, name=name).first()
    return existing or services.business_unit_create(acting_user=None, legal_entity=entity, name=name)


COMPLETE = {
    "purpose": "Answer customer questions about orders",
    "affected_people": "Webshop customers",
    "human_oversight": "human_on_the_loop",
    "goal": "Half of order questions answered without waiting",
}


def use_case(
    name: str = "Webshop chatbot",
    unit: BusinessUnit | None = None,
    owner: User | None = None,
    complete: bool = True,
    **fields: Any,
) -> UseCase:
    """A draft through the service, complete enough to submit unless `complete=False`."""
    owner = owner or UserFactory.create(username=f"owner-{UserFactory._meta.next_sequence()}")
    values = {**(COMPLETE if complete else {}), **fields}
    return services.use_case_create(
        acting_user=owner, business_unit=unit or business_unit(), owner=owner, name=name, **values
    )


def committee_member(username: str, **fields: Any) -> User:
    """A person with the committee role (through the service, so staff status follows)."""
    from register.choices import Role

    person = UserFactory.create(username=username, **fields)
    services.role_grant(acting_user=None, user=person, role=Role.COMMITTEE)
    return person
