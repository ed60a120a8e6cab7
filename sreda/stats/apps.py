from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "sreda.stats"
    label = "stats"
    verbose_name = "Статистика и показатели"
