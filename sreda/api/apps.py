from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sreda.api"
    label = "api"
    verbose_name = "API"
