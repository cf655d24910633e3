from django import template
from django.forms import (
    BoundField,
    CheckboxInput,
    CheckboxSelectMultiple,
    RadioSelect,
    Select,
    Textarea,
)

register = template.Library()


@register.filter
def widget_kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        return "checkbox"
    if isinstance(widget, CheckboxSelectMultiple):  # a RadioSelect subclass: ask first
        return "checkboxes"
    if isinstance(widget, RadioSelect):
        return "radio"
    if isinstance(widget, Select):
        return "select"
    if isinstance(widget, Textarea):
        return "textarea"
    return "input"


def describedby(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def kern_widget(field: BoundField):
    """The field's widget with KERN classes and its hint and error tied to it."""
    kind = widget_kind(field)
    css = {
        "checkbox": "kern-form-check__checkbox",
        "select": "kern-form-input__select",
        "textarea": "kern-form-input__input",
        "input": "kern-form-input__input",
    }[kind]
    if field.errors:
        css += f" {css}--error"
    attrs: dict[str, str | bool] = {"class": css}
    ids = describedby(field)
    if ids:
        attrs["aria-describedby"] = ids
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def without_final_stop(label) -> str:
    """A label used before a colon ("…accept it.: Please…" reads badly)."""
    return str(label).rstrip(" .:")


@register.simple_tag
def field_describedby(field: BoundField) -> str:
    return describedby(field)


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """The current query string with another page number: search and filters stay."""
    query = context["request"].GET.copy()
    query["page"] = number
    return query.urlencode()


@register.simple_tag(takes_context=True)
def query_with(context, name: str, value="") -> str:
    """The current query string with `name` set to `value` (dropped when empty)."""
    query = context["request"].GET.copy()
    query.pop(name, None)
    if value != "":
        query[name] = value
    return query.urlencode()


@register.filter
def get_field(form, name: str):
    """form[name] for a field whose name is in a variable."""
    return form[name]
