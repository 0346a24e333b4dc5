"""The open interfaces: the REST API (``/api/v1/``) and the CommonGrants protocol (``/common-grants/``).

Interfaces only: every read goes through the same selectors and access rules as the pages,
and every write through the same use cases and workflow actions.
"""
