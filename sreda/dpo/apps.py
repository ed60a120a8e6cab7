from django.apps import AppConfig


class DpoConfig(AppConfig):
    name = "sreda.dpo"
    label = "dpo"
    verbose_name = "Организация ДПО"
