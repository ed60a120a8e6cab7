"""Forms of the centre: DPO organisation, program, group (R36). Dates accept 20.11.2025 and 2025-11-20."""
from __future__ import annotations

from django import forms

from sreda.dpo.models import GroupStatus, StudyForm

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class DpoOrganisationForm(forms.Form):
    name = forms.CharField(label="Наименование", max_length=500)
    short_name = forms.CharField(label="Краткое наименование", max_length=250, required=False)


class ProgramForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Организация ДПО", queryset=None, empty_label="— выберите —")
    name = forms.CharField(label="Программа", max_length=500)
    description = forms.CharField(label="Описание", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    competences = forms.CharField(label="Совершенствуемые компетенции", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    listener_categories = forms.CharField(label="Категория(и) слушателей", required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    study_form = forms.ChoiceField(label="Форма обучения", required=False,
                                   choices=[("", "Не указано"), *StudyForm.choices])
    hours = forms.IntegerField(label="Объём, часов", required=False, min_value=1, max_value=10000)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class GroupForm(forms.Form):
    name = forms.CharField(label="Группа", max_length=300)
    description = forms.CharField(label="Описание", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label="Начало обучения", input_formats=DATE_FORMATS,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label="Окончание обучения", input_formats=DATE_FORMATS,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    capacity = forms.IntegerField(label="Мест", min_value=1, max_value=10000, initial=25)
    status = forms.ChoiceField(label="Набор", choices=GroupStatus.choices, initial=GroupStatus.OPEN)
