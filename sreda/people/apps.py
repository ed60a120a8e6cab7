from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "sreda.people"
    label = "people"
    verbose_name = "Люди и роли"
