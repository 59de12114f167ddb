from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import classify, exports, standards, use_cases, views

router = DefaultRouter()
router.APIRootView = views.KoersAPIRootView
# ?format= covers what URL suffixes would; one URL per resource keeps the permission matrix honest.
router.include_format_suffixes = False
router.register("use-cases", use_cases.UseCaseViewSet, basename="usecase")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("actions", views.ActionViewSet, basename="action")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("obligations", views.ObligationViewSet, basename="obligation")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("legal-entities", views.LegalEntityViewSet, basename="legalentity")
router.register("business-units", views.BusinessUnitViewSet, basename="businessunit")
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("v1/classify/", classify.ClassifyView.as_view(), name="classify"),
    path("v1/questionnaire/", classify.QuestionnaireView.as_view(), name="questionnaire"),
    path("v1/stats/", use_cases.StatsView.as_view(), name="stats"),
    # Exports: the URL names the format (api/exports.py).
    path("v1/export/use-cases.csv", exports.UseCasesCsv.as_view(), name="export-use-cases-csv"),
    path("v1/export/use-cases.jsonl", exports.UseCasesJsonLines.as_view(), name="export-use-cases-jsonl"),
    path("v1/export/use-cases.xlsx", exports.UseCasesXlsx.as_view(), name="export-use-cases-xlsx"),
    path("v1/export/evidence-pack.zip", exports.EvidencePackExport.as_view(), name="export-evidence-pack"),
    path(
        "v1/export/standards/<str:standard>.json", standards.StandardExport.as_view(), name="export-standard"
    ),
    path(
        "v1/use-cases/<int:pk>/evidence-pack.zip",
        exports.UseCaseEvidencePack.as_view(),
        name="usecase-evidence-pack",
    ),
    path("v1/", include(router.urls)),
    path("schema/", views.KoersSchemaView.as_view(), name="schema"),
    # A page for people: an anonymous browser goes to the login page, not to a bare 401.
    # The split view loads its script from a URL, and its template has no inline style: the
    # Content Security Policy allows no inline code.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html")
        ),
        name="swagger-ui",
    ),
]
