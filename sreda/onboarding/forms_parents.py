"""Forms of the parent confirmation (R21) and of the administrator's corrections page."""
from django import forms

from sreda.onboarding.forms_joining import DateInput
from sreda.onboarding.parents import CONSENT_TEXT
from sreda.people.models import Sex


class ChildDataForm(forms.Form):
    surname = forms.CharField(label="Фамилия ребёнка", max_length=100, required=False)
    name = forms.CharField(label="Имя ребёнка", max_length=100, required=False)
    patronymic = forms.CharField(label="Отчество ребёнка", max_length=100, required=False)
    birth_date = forms.DateField(label="Дата рождения ребёнка", required=False, widget=DateInput(),
                                 error_messages={"invalid": "Дата рождения: введите дату, например 08.03.2014."})
    sex = forms.ChoiceField(label="Пол", choices=[("", "— не указан —"), *Sex.choices], required=False)
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)


class CorrectionRejectForm(forms.Form):
    reason = forms.CharField(label="Причина отказа", max_length=1000,
                             error_messages={"required": "Укажите причину отказа."})


class RegisterForm(forms.Form):
    surname = forms.CharField(label="Фамилия", max_length=100, required=False)
    name = forms.CharField(label="Имя", max_length=100, required=False)
    patronymic = forms.CharField(label="Отчество", max_length=100, required=False, help_text="Если есть.")
    email = forms.CharField(label="E-mail", max_length=254, required=False, help_text="По желанию.")
    username = forms.CharField(label="Логин", max_length=150, required=False)
    password = forms.CharField(label="Пароль", required=False, widget=forms.PasswordInput,
                               help_text="Не короче 8 символов, не только цифры.")
    password2 = forms.CharField(label="Пароль ещё раз", required=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password2"):
            self.add_error("password2", "Пароли не совпадают.")
        return data
