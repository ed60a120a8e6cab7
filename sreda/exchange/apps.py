from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "sreda.exchange"
    label = "exchange"
    verbose_name = "Журнал обмена"
