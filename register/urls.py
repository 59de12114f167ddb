from __future__ import annotations

from django.urls import path

from register import calendar_views, pages, transparency, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("use-cases/", pages.my_use_cases, name="my_use_cases"),
    path("use-cases/new/", pages.use_case_new, name="use_case_new"),
    path("use-cases/<int:pk>/", pages.use_case_detail, name="use_case_detail"),
    path("use-cases/<int:pk>/what/", pages.use_case_what, name="use_case_what"),
    path("use-cases/<int:pk>/questions/", pages.use_case_questions, name="use_case_questions"),
    path(
        "use-cases/<int:pk>/questions/preview/",
        pages.use_case_questions_preview,
        name="use_case_questions_preview",
    ),
    path("use-cases/<int:pk>/control/", pages.use_case_control, name="use_case_control"),
    path("use-cases/<int:pk>/check/", pages.use_case_check, name="use_case_check"),
    path("use-cases/<int:pk>/duties/<int:item_pk>/done/", pages.obligation_done, name="obligation_done"),
    path("use-cases/<int:pk>/incidents/new/", pages.incident_new, name="incident_new"),
    path(
        "use-cases/<int:pk>/requests/<int:request_pk>/deadline/",
        transparency.explanation_request_deadline,
        name="explanation_request_deadline",
    ),
    path("settings/", pages.account_settings, name="account_settings"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    # Public, anonymous (PRODUCT.md): the transparency page, its JSON feed, a page per use-case.
    path("transparency/", transparency.transparency_index, name="transparency"),
    path("transparency/feed.json", transparency.transparency_feed, name="transparency_feed"),
    path("transparency/<str:reference>/", transparency.transparency_detail, name="transparency_detail"),
    path("transparency/<str:reference>/ask/", transparency.transparency_ask, name="transparency_ask"),
    path(
        "transparency/<str:reference>/ask/sent/",
        transparency.transparency_ask_sent,
        name="transparency_ask_sent",
    ),
]
