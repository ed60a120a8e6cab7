"""Forms of the acknowledgement pages (R23). The checks that matter (file content, size, whom to ask) are in
the service, so the page and the API say the same thing."""
from django import forms

from sreda.onboarding.acknowledgements import INSTRUCTION_MAX, TITLE_MAX, Audience

AUDIENCE_CHOICES = list(Audience.LABELS.items())


class _People(forms.Form):
    audience = forms.ChoiceField(
        label="Кого попросить ознакомиться", choices=AUDIENCE_CHOICES, widget=forms.RadioSelect,
        initial=Audience.CLASS_TEACHERS,
        error_messages={"required": "Выберите, кого попросить ознакомиться.",
                        "invalid_choice": "Выберите, кого попросить ознакомиться, из списка."})
    people = forms.MultipleChoiceField(label="Сотрудники", required=False, widget=forms.CheckboxSelectMultiple,
                                       help_text="Только для варианта «Выбранные сотрудники».")

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(str(p.pk), p.full_name) for p in staff]


class DocumentForm(_People):
    title = forms.CharField(label="Название документа", max_length=TITLE_MAX,
                            error_messages={"required": "Укажите название документа."},
                            widget=forms.TextInput(attrs={"placeholder": "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»"}))
    instruction = forms.CharField(label="Что нужно сделать", max_length=INSTRUCTION_MAX, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="Например: ознакомиться с приказом и инструкцией до 30.04.2024.")
    file = forms.FileField(label="Файл документа (PDF)", required=False,
                           help_text="PDF или скан в JPEG/PNG, не больше 20 МБ.")
    due_date = forms.DateField(label="Ознакомиться до", required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"invalid": "Дата — в виде ДД.ММ.ГГГГ, например 30.04.2026."})

    field_order = ["title", "instruction", "file", "due_date", "audience", "people"]


class AskMoreForm(_People):
    pass
