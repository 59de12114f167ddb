"""Every write to the register (STYLE.md §3): keyword-only, `acting_user`, atomic, one audit
event in the same transaction. One module per area; import from here."""

from __future__ import annotations

from register.services.api_tokens import api_token_create, api_token_revoke, api_token_rotate
from register.services.calendar import calendar_token_rotate
from register.services.classification import (
    override_confirm,
    override_decline,
    override_propose,
    use_case_lift_override,
    use_case_override,
    use_case_reclassify,
    use_case_set_policy_tier,
)
from register.services.governance import (
    action_complete,
    incident_clock_done,
    incident_record,
    meeting_record,
)
from register.services.importing import use_cases_import
from register.services.meetings import meeting_update
from register.services.organisation import (
    business_unit_create,
    legal_entity_create,
    membership_add,
    vendor_create,
    vendor_find_or_add,
    vendor_model_changed,
    vendor_update,
)
from register.services.people import (
    password_reset_request,
    record_delete,
    role_grant,
    role_revoke,
    user_deactivate,
    user_password_changed,
    user_pseudonymise,
    user_save,
)
from register.services.transparency import (
    explanation_request_answer,
    explanation_request_create,
    explanation_request_forget_contact,
    explanation_request_set_deadline,
    pledge_update,
    use_case_publish,
)
from register.services.use_cases import (
    StaleEdit,
    decision_record,
    obligation_mark_done,
    review_record,
    review_trigger,
    use_case_classify,
    use_case_confirm_classification,
    use_case_create,
    use_case_reassign_owner,
    use_case_reopen,
    use_case_submit,
    use_case_update,
)

__all__ = [
    "StaleEdit",
    "action_complete",
    "api_token_create",
    "api_token_revoke",
    "api_token_rotate",
    "business_unit_create",
    "calendar_token_rotate",
    "decision_record",
    "explanation_request_answer",
    "explanation_request_create",
    "explanation_request_forget_contact",
    "explanation_request_set_deadline",
    "incident_clock_done",
    "incident_record",
    "legal_entity_create",
    "meeting_record",
    "meeting_update",
    "membership_add",
    "obligation_mark_done",
    "override_confirm",
    "override_decline",
    "override_propose",
    "password_reset_request",
    "pledge_update",
    "record_delete",
    "review_record",
    "review_trigger",
    "role_grant",
    "role_revoke",
    "use_case_classify",
    "use_case_confirm_classification",
    "use_case_create",
    "use_case_lift_override",
    "use_case_override",
    "use_case_publish",
    "use_case_reassign_owner",
    "use_case_reclassify",
    "use_case_reopen",
    "use_case_set_policy_tier",
    "use_case_submit",
    "use_case_update",
    "use_cases_import",
    "user_deactivate",
    "user_password_changed",
    "user_pseudonymise",
    "user_save",
    "vendor_create",
    "vendor_find_or_add",
    "vendor_model_changed",
    "vendor_update",
]
