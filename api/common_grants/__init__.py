"""The CommonGrants protocol (v0.4) under ``/common-grants/``: calls as opportunities, proposals as
applications, funded projects as awards (docs/common-grants.md).

Reads go through the selectors and access rules the pages use (``intake.selectors``,
``workflow.access``); this package only shapes what they return into the protocol's JSON.
"""
