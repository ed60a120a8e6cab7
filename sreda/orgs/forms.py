"""Forms of the organisation pages: search filters and the management of regions, municipalities and
organisations. Validation of INN and OGRN says which number is wrong and why."""
from django import forms
from django.core.exceptions import ValidationError

from sreda.core.identifiers import validate_ogrn, validate_org_inn
from sreda.orgs.models import Municipality, Organisation, OrganisationType, Region


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label="Название или ИНН", required=False, max_length=200)
    municipality = forms.ModelChoiceField(
        label="Муниципалитет", required=False, queryset=Municipality.objects.none(), empty_label="Все"
    )
    kind = forms.ChoiceField(label="Тип", required=False, choices=[("", "Все"), *OrganisationType.choices])

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": "СОШ № 5, 7830002293…"})


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "code", "timezone", "external_id"]
        help_texts = {"code": "Код субъекта, например 78.", "timezone": "Например, Europe/Moscow или Asia/Novosibirsk."}


class MunicipalityForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["region", "name", "external_id"]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions


class OrganisationForm(forms.ModelForm):
    # Wider than the stored digits: people paste numbers with spaces or dashes.
    inn = forms.CharField(label="ИНН", max_length=20, help_text="10 цифр.")
    ogrn = forms.CharField(label="ОГРН", max_length=20, required=False, help_text="13 цифр.")

    class Meta:
        model = Organisation
        fields = ["municipality", "full_name", "short_name", "kind", "inn", "ogrn", "external_id", "messenger_org_id", "is_active"]
        help_texts = {"full_name": "Как в ЕГРЮЛ.", "short_name": "Например, «МБОУ СОШ № 5»."}

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        if self.instance.pk is None:
            del self.fields["is_active"]

    def clean_inn(self):
        return validate_org_inn(self.cleaned_data["inn"])

    def clean_ogrn(self):
        value = self.cleaned_data.get("ogrn") or ""
        if not value:
            return ""
        number = validate_ogrn(value)
        if len(number) != 13:
            raise ValidationError(f"ОГРН «{value}»: у организации 13 цифр, а 15 — это ОГРНИП предпринимателя.")
        return number

    def clean_external_id(self):
        return self.cleaned_data.get("external_id") or None
