from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sreda.core"
    label = "core"
    verbose_name = "Ядро"
