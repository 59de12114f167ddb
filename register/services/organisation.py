"""Writes for legal entities, business units, memberships and vendors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
def vendor_update(*, acting_user: User, vendor: Vendor, **changes: Any) -> Vendor:
    """The committee completes or corrects a vendor's record (its own `updated_at` moves, not
    its use-cases': PRODUCT.md)."""
    locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
    changes = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changes:
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.full_clean()
    locked.save()
    audit_log(
        actor=acting_user,
        action="register.vendor.changed",
        subject=locked,
        justification=", ".join(sorted(changes)),
    )
    return locked


@transaction.atomic
def vendor_model_changed(*, acting_user: User, vendor: Vendor, note: str) -> int:
    """The vendor announced a new model: each of its use-cases in use gets an extra review.
    Returns how many."""
    from register.services.use_cases import review_trigger  # that module imports this one

    audit_log(actor=acting_user, action="register.vendor.model_changed", subject=vendor, justification=note)
    triggered = 0
    for use_case in vendor.use_cases.order_by("pk"):
        triggered += (
            review_trigger(acting_user=acting_user, use_case=use_case, reason=f"vendor model change: {note}")
            is not None
        )
    return triggered


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def _known_vendor(typed: str) -> Vendor | None:
    """The recorded vendor `typed` names: "name product" in full, or the name alone when only
    one vendor has that name (several: the person is asked to pick); spaces and case do not
    matter."""
    plain = _plain(typed)
    first_word = typed.split()[0]
    candidates = list(Vendor.objects.filter(name__istartswith=first_word).order_by("id"))
    for vendor in candidates:
        if _plain(f"{vendor.name} {vendor.product}") == plain:
            return vendor
    by_name = [vendor for vendor in candidates if _plain(vendor.name) == plain]
    if len(by_name) > 1:
        raise ValidationError(
            {
                "new_vendor": _(
                    "Several products of %(name)s are recorded; pick the right one from the list, "
                    "or type the name with the product."
                )
                % {"name": by_name[0].name}
            }
        )
    return by_name[0] if by_name else None


@transaction.atomic
def vendor_find_or_add(*, acting_user: User, name: str) -> Vendor:
    """The vendor a business unit typed in step 1: the one already recorded under that name
    (see `_known_vendor`), else a new one the committee completes later. Recorded once and
    reused (PRODUCT.md): typing a known vendor never makes a second one, also when two people
    add the same new vendor at the same moment."""
    typed = " ".join(name.split())
    known = _known_vendor(typed)
    if known is not None:
        return known
    try:
        with transaction.atomic():  # a savepoint: the other person's row wins the race
            return vendor_create(acting_user=acting_user, name=typed)
    except (IntegrityError, ValidationError):
        known = _known_vendor(typed)  # the row that won the race
        if known is None:
            raise
        return known
