from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "sreda.roster"
    label = "roster"
    verbose_name = "Импорт контингента"
