"""Forms of director verification: they collect the input; the rules live in `verification.py`."""
from django import forms

from sreda.orgs.models import Region
from sreda.people.documents import JPEG, PDF, PNG, max_bytes, megabytes
from sreda.people.models import VerificationMethod
from sreda.people.verification import REASON_MAX

ACCEPT = f".pdf,.jpg,.jpeg,.png,{PDF},{JPEG},{PNG}"


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region) -> str:
        return f"Оператор региона — {region.name}"


class VerificationForm(forms.Form):
    """R6: one method, its file or its passport data, consent, and where to send it."""

    method = forms.ChoiceField(
        label="Способ подтверждения", choices=VerificationMethod.choices, widget=forms.RadioSelect, required=False,
    )
    document = forms.FileField(
        label="Файл: скан или фото", required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    passport_series = forms.CharField(label="Серия паспорта", required=False, max_length=10,
                                      widget=_text(inputmode="numeric", placeholder="45 03"))
    passport_number = forms.CharField(label="Номер паспорта", required=False, max_length=10,
                                      widget=_text(inputmode="numeric", placeholder="123456"))
    passport_issued_by = forms.CharField(label="Кем выдан", required=False, max_length=400,
                                         widget=_text())
    passport_issue_date = forms.CharField(label="Дата выдачи", required=False, max_length=20,
                                          widget=_text(placeholder="ДД.ММ.ГГГГ"))
    passport_department_code = forms.CharField(label="Код подразделения", required=False, max_length=10,
                                               widget=_text(placeholder="780-012"))
    consent = forms.BooleanField(
        label="Подтверждаю согласие на обработку персональных данных", required=False,
    )
    region = RegionChoiceField(label="Куда отправить", queryset=None, required=False, empty_label=None,
                               widget=forms.RadioSelect)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = (f"PDF, JPEG или PNG, не больше {megabytes(max_bytes())}. "
                                             "Проверяется содержимое файла, а не его имя.")
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions])
        if regions and not self.is_bound:
            self.initial.setdefault("region", regions[0].pk)

    def passport(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in (
            "passport_series", "passport_number", "passport_issued_by", "passport_issue_date",
            "passport_department_code",
        )}


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Причина отказа", max_length=REASON_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True,
                                     "placeholder": "Например: скан нечитаемый, загрузите более чёткий"}),
        help_text="Руководитель увидит причину на странице подтверждения и в письме.",
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label="Поиск", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "id": "queue-q",
                                                      "placeholder": "ФИО руководителя, школа или ИНН"}))
    status = forms.ChoiceField(label="Статус", required=False)
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, required=False, empty_label="Все")
    overdue = forms.BooleanField(label="Только просроченные", required=False)

    def __init__(self, *args, municipalities, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["status"].choices = list(statuses.items())
