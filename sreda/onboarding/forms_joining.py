"""Forms of the join pages (R20, R22). The services check everything again: the forms only parse."""
from django import forms

from sreda.onboarding.models import JoinRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClassChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.school_year.title})"


class ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        born = f", {obj.birth_date:%d.%m.%Y}" if obj.birth_date else ""
        return f"{obj.full_name}{born}"


class JoinForm(forms.Form):
    role = forms.ChoiceField(label="Роль", choices=JoinRole.choices, initial=JoinRole.STUDENT,
                             error_messages={"required": "Выберите роль.",
                                             "invalid_choice": "Выберите роль из списка."})
    school_class = ClassChoice(
        label="Класс", queryset=None, required=False, empty_label="— выберите класс —",
        help_text="Класс полностью, с буквой: «5А», а не «5». Учителю класс указывать не нужно.",
        error_messages={"invalid_choice": "Выберите класс этой школы из списка."})
    child = ChildChoice(label="Ребёнок", queryset=None, required=False, empty_label="— выберите ребёнка —",
                        help_text="Для законного представителя: ребёнок, прикреплённый к вашей учётной записи.",
                        error_messages={"invalid_choice": "Выберите ребёнка из списка."})
    surname = forms.CharField(label="Фамилия", max_length=100, required=False)
    name = forms.CharField(label="Имя", max_length=100, required=False)
    patronymic = forms.CharField(label="Отчество", max_length=100, required=False, help_text="Если есть.")
    birth_date = forms.DateField(label="Дата рождения", required=False, widget=DateInput(),
                                 error_messages={"invalid": "Дата рождения: введите дату, например 08.03.2014."})

    def __init__(self, *args, classes, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["child"].queryset = children


class RejectForm(forms.Form):
    reason = forms.CharField(label="Причина отказа", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Укажите причину отказа: заявитель увидит её."})
