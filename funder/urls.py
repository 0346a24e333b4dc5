from django.urls import path

from funder import views

app_name = "funder"

urlpatterns = [
    path("funder/", views.overview, name="overview"),
    path("funder/figures.csv", views.overview_csv, name="overview_csv"),
]
