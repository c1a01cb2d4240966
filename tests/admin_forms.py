"""Build an admin change form's POST data from the page the admin rendered."""

from __future__ import annotations


def _put(data: dict, name: str, value) -> None:
    if value is None or value is False:
        return
    data[name] = "on" if value is True else value


def change_form_data(response, **overrides) -> dict:
    """The form as the admin rendered it (inlines included), with ``overrides`` applied."""
    data: dict = {}
    form = response.context["adminform"].form
    for name in form.fields:
        _put(data, form.add_prefix(name), form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for sub in formset.forms:
            for name in sub.fields:
                _put(data, sub.add_prefix(name), sub[name].value())
    for name, value in overrides.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data
