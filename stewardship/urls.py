from django.urls import path

from stewardship import views

app_name = "stewardship"

urlpatterns = [
    path("", views.privacy, name="privacy"),
    path("my-data/", views.export, name="export"),
    path("close-account/", views.close, name="close"),
    path("close-account/sent/", views.close_sent, name="close_sent"),
    path("close-account/<str:token>/", views.close_confirm, name="close_confirm"),
]
