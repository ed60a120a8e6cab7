"""Forms of the pages everyone meets: sign-in and consent (R3)."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's sign-in form with Russian labels and an error that says what to check."""

    error_messages = {
        "invalid_login": "Неверный логин или пароль. Проверьте раскладку клавиатуры и не включён ли Caps Lock.",
        "inactive": "Учётная запись отключена. Обратитесь к администратору вашей организации.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Логин"
        self.fields["password"].label = "Пароль"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="Я даю согласие на обработку моих персональных данных",
        required=True,
        error_messages={
            "required": "Чтобы продолжить, отметьте «Я даю согласие на обработку моих персональных данных». "
            "Без согласия платформа не может обрабатывать ваши данные (152-ФЗ)."
        },
    )
