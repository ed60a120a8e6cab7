"""Forms of the access-group pages: the advanced search (R13) and a selection of employees."""
from django import forms
from django.core.exceptions import ValidationError


class GroupSearchForm(forms.Form):
    """«Расширенный поиск» as on Госуслуги: owner organisation, system, group; any may stay empty."""

    organisation = forms.CharField(label="Организация", required=False, max_length=300)
    system = forms.CharField(label="Система", required=False, max_length=300)
    group = forms.CharField(label="Группа доступа", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hints = {
            "organisation": ("owners", "Министерство цифрового развития… или ИНН"),
            "system": ("systems", "Госуслуги Моя школа"),
            "group": (None, "Педагоги. Доступ к УБ ЦОК"),
        }
        for name, (datalist, placeholder) in hints.items():
            attrs = {"type": "search", "placeholder": placeholder, "autocomplete": "off"}
            if datalist:
                attrs["list"] = datalist
            self.fields[name].widget = forms.TextInput(attrs=attrs)


class PersonIdsField(forms.Field):
    """The ticked checkboxes «person»: a list of ids. An empty list is left to the service to refuse, with
    the same message the API gives."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            raise ValidationError("Неверный выбор сотрудников: обновите страницу и отметьте их снова.") from None


class SelectionForm(forms.Form):
    person = PersonIdsField(required=False)
    # «Добавить всех найденных»: every employee matching the search, not only the ticked ones.
    all = forms.BooleanField(required=False)
