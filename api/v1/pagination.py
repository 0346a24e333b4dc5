"""Lists come a page at a time, with the count of all the rows and links to the next and previous pages."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``?page=N`` (from 1) and ``?page_size=M`` (at most 100; 25 when not given)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
