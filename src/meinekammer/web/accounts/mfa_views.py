"""allauth's MFA pages that need one more check than allauth makes.

allauth asks the MFA adapter's `can_delete_authenticator` before it deactivates the
authenticator app, but removes a security key without asking. This view asks, so that the
last factor of an account that must have one cannot go by either way; it is mounted at
allauth's own path and name (urls.py, before allauth's urls).
"""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.http import HttpResponse


class RemoveKeyView(RemoveWebAuthnView):
    def _refusal(self) -> str | None:
        adapter = get_adapter()
        if adapter.can_delete_authenticator(self.object):
            return None
        return str(adapter.error_messages["cannot_delete_authenticator"])

    def get_context_data(self, **kwargs) -> dict:
        ret = super().get_context_data(**kwargs)
        ret["refusal"] = self._refusal()
        return ret

    def form_valid(self, form) -> HttpResponse:
        if self._refusal():
            return self.render_to_response(self.get_context_data(form=form))
        return super().form_valid(form)


remove_key = RemoveKeyView.as_view()
