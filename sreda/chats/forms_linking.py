"""Forms of messenger linking (R27): they collect the input; the rules live in `linking.py`."""
from django import forms


class UserIdForm(forms.Form):
    user_id = forms.CharField(
        label="Ваш идентификатор Matrix", max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "@ivanova:school.example",
                                      "spellcheck": "false", "autocapitalize": "none"}),
        error_messages={"required": "Укажите идентификатор Matrix: @имя:сервер."},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Код из сообщения", max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "placeholder": "123456"}),
        error_messages={"required": "Введите код из сообщения в мессенджере."},
    )
