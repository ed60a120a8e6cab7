"""Forms of the invitation pages. Field checks use the services' own validators, so the page and the API
give the same Russian messages."""
from django import forms

from sreda.core.identifiers import validate_snils
from sreda.onboarding.models import INVITABLE_ROLES
from sreda.onboarding.selectors import InvitationState
from sreda.onboarding.services import clean_email
from sreda.people.roles import Role

ROLE_CHOICES = [(role.value, Role(role).label) for role in INVITABLE_ROLES]


class InvitationForm(forms.Form):
    surname = forms.CharField(label="Фамилия", max_length=100, error_messages={"required": "Укажите фамилию."})
    name = forms.CharField(label="Имя", max_length=100, error_messages={"required": "Укажите имя."})
    patronymic = forms.CharField(label="Отчество", max_length=100, required=False, help_text="Если есть.")
    # A plain text field: the message for a wrong address is ours, the same as in the API.
    email = forms.CharField(
        label="E-mail", max_length=254, error_messages={"required": "Укажите e-mail: на него придёт ссылка-приглашение."},
        help_text="Любой адрес, не обязательно тот, что на Госуслугах: на него придёт ссылка-приглашение.",
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off", "inputmode": "email"}),
    )
    snils = forms.CharField(
        label="СНИЛС", max_length=20, required=False,
        help_text="По желанию. С ним приглашение примет только этот человек — однофамилец не сможет присоединиться.",
        widget=forms.TextInput(attrs={"placeholder": "123-456-789 01", "inputmode": "numeric"}),
    )
    role = forms.ChoiceField(label="Роль", choices=ROLE_CHOICES, initial=Role.TEACHER)

    def clean_email(self):
        return clean_email(self.cleaned_data["email"])

    def clean_snils(self):
        value = (self.cleaned_data.get("snils") or "").strip()
        return validate_snils(value) if value else ""


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Причина (необязательно)", max_length=500, required=False)


STATE_CHOICES = [("", "Все"), *InvitationState.LABELS.items()]
