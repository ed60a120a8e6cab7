"""The form of a school's messenger settings (R29). The token is never shown back: the field is empty with the
masked current value beside it, and an empty field keeps the saved token."""
from __future__ import annotations

from typing import ClassVar

from django import forms

from sreda.chats.models import MessengerSettings

TOKEN_HELP = "Оставьте пустым, чтобы не менять сохранённый токен."


def mask(token: str) -> str:
    """«••••••••3f9a»: enough to recognise the token, never enough to use it."""
    if not token:
        return ""
    return "•" * 8 + (token[-4:] if len(token) > 8 else "")


class MessengerSettingsForm(forms.ModelForm):
    homeserver_url = forms.URLField(label="Адрес сервера Matrix", max_length=300, assume_scheme="https",
                                    widget=forms.URLInput(attrs={"placeholder": "https://matrix.school.ru"}),
                                    error_messages={"invalid": "Укажите адрес сервера целиком, например "
                                                               "https://matrix.school.ru."})
    service_token = forms.CharField(label="Токен сервисной учётной записи", required=False, max_length=300,
                                    strip=True, widget=forms.PasswordInput(render_value=False,
                                                                           attrs={"autocomplete": "off"}),
                                    help_text=TOKEN_HELP)

    class Meta:
        model = MessengerSettings
        fields = ("homeserver_url", "server_name", "service_user_id", "service_token", "group_id",
                  "sync_interval_minutes", "enabled")
        widgets: ClassVar[dict] = {"server_name": forms.TextInput(attrs={"placeholder": "school.ru"}),
                   "service_user_id": forms.TextInput(attrs={"placeholder": "@sreda_bot:school.ru"}),
                   "group_id": forms.TextInput(attrs={"placeholder": "!space:school.ru"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_token = self.instance.service_token if self.instance.pk else ""
        self.fields["sync_interval_minutes"].min_value = 1
        self.fields["sync_interval_minutes"].widget.attrs.update(min=1, max=1440)

    def clean_service_token(self) -> str:
        token = self.cleaned_data.get("service_token") or ""
        if not token and not self.saved_token:
            raise forms.ValidationError("Введите токен сервисной учётной записи, выданный районом.")
        return token or self.saved_token

    def clean_server_name(self) -> str:
        name = (self.cleaned_data.get("server_name") or "").strip()
        if not name or " " in name or "/" in name:
            raise forms.ValidationError("Имя сервера — например school.ru, без «https://» и пробелов.")
        if name.startswith(("http://", "https://")):
            raise forms.ValidationError("Имя сервера — например school.ru, без «https://» и пробелов.")
        return name

    def clean_service_user_id(self) -> str:
        user_id = (self.cleaned_data.get("service_user_id") or "").strip()
        if not user_id.startswith("@") or ":" not in user_id:
            raise forms.ValidationError("Сервисная учётная запись пишется как @имя:сервер, например @sreda_bot:school.ru.")
        return user_id

    def clean_sync_interval_minutes(self) -> int:
        value = self.cleaned_data.get("sync_interval_minutes")
        if value is None or not 1 <= value <= 1440:
            raise forms.ValidationError("Интервал — от 1 до 1440 минут.")
        return value

    def clean(self):
        data = super().clean()
        user_id, server = data.get("service_user_id"), data.get("server_name")
        if user_id and server and user_id.split(":", 1)[1] != server:
            self.add_error("service_user_id", f"Сервисная учётная запись должна быть на сервере «{server}».")
        return data
