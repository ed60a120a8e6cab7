from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sreda.demo"
    label = "demo"
    verbose_name = "Демо"
