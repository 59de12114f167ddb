"""Writes for legal entities, business units, memberships and vendors."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Lower, Trim

from register.audit import audit_log
from register.models import BusinessUnit, LegalEntity, Membership, User, Vendor


@transaction.atomic
def legal_entity_create(*, acting_user: User | None, name: str, **facts: Any) -> LegalEntity:
    entity = LegalEntity(name=name, **facts)
    entity.full_clean()
    entity.save()
    audit_log(actor=acting_user, action="register.legal_entity.created", subject=entity)
    return entity


@transaction.atomic
def business_unit_create(
    *,
    acting_user: User | None,
    legal_entity: LegalEntity,
    name: str,
    lead: User | None = None,
    webhook_url: str = "",
) -> BusinessUnit:
    unit = BusinessUnit(legal_entity=legal_entity, name=name, lead=lead, webhook_url=webhook_url)
    unit.full_clean()
    unit.save()
    audit_log(actor=acting_user, action="register.business_unit.created", subject=unit)
    return unit


@transaction.atomic
def membership_add(*, acting_user: User | None, user: User, business_unit: BusinessUnit) -> Membership:
    membership, _created = Membership.objects.get_or_create(user=user, business_unit=business_unit)
    audit_log(actor=acting_user, action="register.membership.added", subject=membership)
    return membership


@transaction.atomic
def vendor_create(*, acting_user: User | None, name: str, **facts: Any) -> Vendor:
    vendor = Vendor(name=name, **facts)
    vendor.full_clean()
    vendor.save()
    audit_log(actor=acting_user, action="register.vendor.created", subject=vendor)
    return vendor


@transaction.atomic
def vendor_find_or_add(*, acting_user: User, name: str) -> Vendor:
    """The vendor a business unit typed in step 1: the one already recorded under that name
    (with or without its product, in any case), else a new one the committee completes later.
    Recorded once and reused (PRODUCT.md): typing a known vendor never makes a second one."""
    typed = " ".join(name.split())
    known = (
        Vendor.objects.annotate(full=Lower(Trim(Concat("name", Value(" "), "product"))))
        .filter(full=typed.lower())
        .order_by("id")
        .first()
    )
    if known is not None:
        return known
    return vendor_create(acting_user=acting_user, name=typed)
