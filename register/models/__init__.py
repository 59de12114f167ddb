"""The register's models, one module per area (STYLE.md: past ~500 lines a module becomes a
package). Models derive only from their own row; writes live in `register.services`."""

from __future__ import annotations

from register.models.access import ApiAccess
from register.models.core import AuditEvent, AuditEventQuerySet, Heartbeat, User
from register.models.governance import (
    Action,
    Decision,
    Incident,
    IncidentClockDone,
    Meeting,
    Review,
    ReviewSchedule,
)
from register.models.organisation import BusinessUnit, LegalEntity, Membership, Vendor
from register.models.outbox import Delivery, SweepRun
from register.models.transparency import ExplanationRequest, Publication, TransparencyPledge
from register.models.use_cases import (
    ObligationItem,
    OverrideProposal,
    ReferenceCounter,
    RiskAssessment,
    UseCase,
)

__all__ = [
    "Action",
    "ApiAccess",
    "AuditEvent",
    "AuditEventQuerySet",
    "BusinessUnit",
    "Decision",
    "Delivery",
    "ExplanationRequest",
    "Heartbeat",
    "Incident",
    "IncidentClockDone",
    "LegalEntity",
    "Meeting",
    "Membership",
    "ObligationItem",
    "OverrideProposal",
    "Publication",
    "ReferenceCounter",
    "Review",
    "ReviewSchedule",
    "RiskAssessment",
    "SweepRun",
    "TransparencyPledge",
    "UseCase",
    "User",
    "Vendor",
]
