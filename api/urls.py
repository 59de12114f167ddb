from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import classify, views

router = DefaultRouter()
router.APIRootView = views.KoersAPIRootView
# ?format= covers what URL suffixes would; one URL per resource keeps the permission matrix honest.
router.include_format_suffixes = False
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("v1/classify/", classify.ClassifyView.as_view(), name="classify"),
    path("v1/questionnaire/", classify.QuestionnaireView.as_view(), name="questionnaire"),
    path("v1/", include(router.urls)),
    path("schema/", views.KoersSchemaView.as_view(), name="schema"),
    # A page for people: an anonymous browser goes to the login page, not to a bare 401.
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="swagger-ui"),
]
