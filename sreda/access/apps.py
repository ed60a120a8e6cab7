from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "sreda.access"
    label = "access"
    verbose_name = "Системы и группы доступа"
