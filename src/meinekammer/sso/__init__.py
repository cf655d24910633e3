"""Single sign-on: meinekammer as the OpenID Connect provider of its connected applications.

django-oauth-toolkit does the protocol. This package adds what meinekammer promises on top
(DESIGN.md "OpenID Connect contract"), one concern per module:

- `gate`: who may use a connected application (no role for an application that requires one,
  no access);
- `claims`: what an application learns about the user (`sub`, the standard claims, the
  `companies` claim of the requesting client only, `email_verified`);
- `validator`: django-oauth-toolkit's validator with meinekammer's protocol rules (a code used
  twice, per-client refresh lifetimes, accounts that may no longer act) and fewer queries.

Token revocation is a step of the use cases that end roles, memberships and accounts:
`meinekammer.applications.grants`.
"""
