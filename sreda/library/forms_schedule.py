"""Forms of the schedule page (R14): a lesson, a reporting period, a schedule file, the week's filters."""
from __future__ import annotations

from django import forms

from sreda.library.schedule import school_classes, school_teachers, subjects
from sreda.orgs.models import Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class TeacherChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


class ClassChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.school_year.title})"


class LessonForm(forms.Form):
    """Date, урок №, class, subject, teacher — only classes and teachers of this school."""

    day = forms.DateField(label="Дата", widget=DATE_INPUT, input_formats=DATE_FORMATS,
                          error_messages={"required": "Укажите дату урока.",
                                          "invalid": "Дата в виде 20.11.2025."})
    number = forms.IntegerField(label="Урок №", required=False, min_value=0, max_value=20,
                                error_messages={"min_value": "Номер урока — число от 0 до 20.",
                                                "max_value": "Номер урока — число от 0 до 20.",
                                                "invalid": "Номер урока — число от 0 до 20."})
    school_class = ClassChoice(label="Класс", queryset=None, error_messages={
        "required": "Выберите класс.", "invalid_choice": "Класс не найден в этой школе."})
    subject = forms.ModelChoiceField(label="Предмет", queryset=None, error_messages={
        "required": "Выберите предмет.", "invalid_choice": "Предмет не найден."})
    teacher = TeacherChoice(label="Учитель", queryset=None, error_messages={
        "required": "Выберите учителя.", "invalid_choice": "Учитель не найден среди учителей этой школы."})

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = school_classes(organisation)
        self.fields["subject"].queryset = subjects()
        self.fields["teacher"].queryset = school_teachers(organisation)


class PeriodForm(forms.Form):
    title = forms.CharField(label="Название", max_length=100,
                            error_messages={"required": "Укажите название периода, например «1 четверть»."})
    start = forms.DateField(label="Начало", widget=DATE_INPUT, input_formats=DATE_FORMATS,
                            error_messages={"required": "Укажите начало периода.", "invalid": "Дата в виде 01.09.2025."})
    end = forms.DateField(label="Окончание", widget=DATE_INPUT, input_formats=DATE_FORMATS,
                          error_messages={"required": "Укажите окончание периода.", "invalid": "Дата в виде 31.10.2025."})


class ScheduleFileForm(forms.Form):
    file = forms.FileField(label="Файл расписания", error_messages={
        "required": "Выберите файл: таблицу .csv или .xlsx, или архив .zip с lessons.csv."})
