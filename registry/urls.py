from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("registry/", views.asset_list, name="asset_list"),
    path("registry/export.csv", views.asset_export, name="asset_export"),
    path("registry/mine/", views.my_registry, name="my_registry"),
    path("registry/ip-manager/", views.dashboard, name="dashboard"),
    path("registry/assets/new/", views.asset_create, name="asset_create"),
    path("registry/assets/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("registry/assets/<int:pk>/edit/", views.asset_update, name="asset_update"),
    path("registry/assets/<int:pk>/check/", views.asset_check, name="asset_check"),
    path("registry/assets/<int:pk>/request/", views.request_create, name="request_create"),
    path("registry/assets/<int:pk>/<slug:action>/", views.asset_act, name="asset_act"),
    path("registry/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("registry/requests/<int:pk>/agree/", views.licence_agree, name="licence_agree"),
    path("registry/requests/<int:pk>/<slug:action>/", views.request_act, name="request_act"),
    path("registry/licences/<int:pk>/", views.licence_detail, name="licence_detail"),
    path("registry/licences/<int:pk>/document/", views.licence_download, name="licence_download"),
]
