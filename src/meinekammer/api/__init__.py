"""The REST API for connected systems (`/api/v1/`, django-ninja; decision record 0010).

An interface like the HTML pages in `meinekammer.web`: it authenticates service accounts
(`integration.credentials`), checks their scopes, turns query strings and JSON into typed
arguments of the same use cases the pages call, and turns domain errors into RFC 9457 problem
details. No rule lives here.
"""
