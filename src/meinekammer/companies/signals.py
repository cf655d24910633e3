"""Signals other apps connect to.

`company_deleted` is sent inside the transaction that carries out a company's deletion, before
its personal data are erased (kwargs: company, member_ids). The single sign-on part connects to
it to revoke the tokens and grants that rest on the company's memberships.
"""

from django.dispatch import Signal

company_deleted = Signal()
