from django.urls import path

from registry import ip_review_views as views

app_name = "ip_review"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/declare/", views.declare, name="declare"),
    path("<int:pk>/", views.review, name="review"),
]
