"""The kernel every domain app stands on: who acts, how a use case refuses, and small helpers.

Nothing here imports another part of meinekammer (see docs/architecture.md).
"""
