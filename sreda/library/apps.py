from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "sreda.library"
    label = "library"
    verbose_name = "Библиотека УБ ЦОК"
