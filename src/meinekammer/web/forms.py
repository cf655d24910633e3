from django.forms.renderers import TemplatesSetting


class KernFormRenderer(TemplatesSetting):
    """Renders every form, allauth's included, with KERN UX markup (web/forms/*.html)."""

    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"
