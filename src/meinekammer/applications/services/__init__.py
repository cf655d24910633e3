"""The use cases of connected applications: the operator's catalogue and the user's consents."""
