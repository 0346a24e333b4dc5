"""The URLconf the API's schema is made from: its routes under their prefix (``manage.py spectacular --urlconf``).

The site's URLconf declares the API's routes without importing their views (``api.lazy``), so
the schema is generated from the routes themselves, as ``/api/v1/schema/`` serves it.
"""

from django.urls import include, path

from api.v1.routes import app_name, resources

urlpatterns = [path("api/v1/", include((resources, app_name)))]
