from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "sreda.orgs"
    label = "orgs"
    verbose_name = "Организации"

    def ready(self) -> None:
        from sreda.orgs import transition

        transition.connect()
