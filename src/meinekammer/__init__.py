"""meinekammer: identity and company-management portal for chambers."""

__version__ = "0.1.0"
