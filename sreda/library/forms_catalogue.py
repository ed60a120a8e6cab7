"""Forms of the operator's catalogue pages (R16–R17). They only parse input; the services decide."""
from __future__ import annotations

from django import forms

from sreda.library.catalogue import GRADES, ItemData
from sreda.library.models import ContentType, Course
from sreda.library.uploads import MAX_BYTES
from sreda.orgs.models import Subject


class CourseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.subject.name}, {obj.grade} класс — {obj.title}"


class ItemForm(forms.Form):
    course = CourseChoice(label="Курс", queryset=Course.objects.select_related("subject"),
                          empty_label="— выберите курс —", error_messages={"required": "Выберите курс.",
                                                                          "invalid_choice": "Выберите курс из списка."})
    position = forms.IntegerField(label="Урок №", min_value=1, max_value=999, initial=1,
                                  error_messages={"required": "Укажите номер урока.",
                                                  "invalid": "Номер урока — целое число.",
                                                  "min_value": "Номер урока — от 1 до 999.",
                                                  "max_value": "Номер урока — от 1 до 999."})
    title = forms.CharField(label="Название", max_length=300, error_messages={"required": "Укажите название урока."})
    content_types = forms.MultipleChoiceField(label="Типы материалов", choices=ContentType.choices, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label="Описание", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label="Содержание (HTML)", required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text="Разрешены абзацы, списки, заголовки h2–h4, цитаты, таблицы и ссылки http(s); "
                                     "всё остальное (скрипты, стили, обработчики событий) удаляется при сохранении.")
    file = forms.FileField(label="Файл урока", required=False,
                           help_text=f"PDF, DOCX, PPTX, PNG или JPEG до {MAX_BYTES // (1024 * 1024)} МБ; "
                                     "тип проверяется по содержимому.")
    remove_file = forms.BooleanField(label="Удалить файл", required=False)
    external_id = forms.CharField(label="Внешний ID", max_length=100, required=False)

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        return ItemData(course=data["course"], position=data["position"], title=data["title"],
                        content_types=list(data["content_types"]), description=data["description"],
                        body=data["body"], external_id=data["external_id"])


class CourseForm(forms.ModelForm):
    grade = forms.TypedChoiceField(label="Класс", coerce=int, choices=[(g, f"{g} класс") for g in GRADES])

    class Meta:
        model = Course
        fields = ["title", "subject", "grade", "description", "external_id"]
        error_messages = {"title": {"required": "Укажите название курса."},
                          "subject": {"required": "Выберите предмет."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.order_by("name")
        self.fields["external_id"].required = False

    def clean_external_id(self):
        return (self.cleaned_data.get("external_id") or "").strip() or None


class ImportForm(forms.Form):
    file = forms.FileField(label="Файл каталога", error_messages={"required": "Выберите файл: .xlsx или .csv."})


class DecisionForm(forms.Form):
    comment = forms.CharField(label="Комментарий", max_length=500, required=False)
