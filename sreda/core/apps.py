from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sreda.core"
    label = "core"
    verbose_name = "Ядро"

    def ready(self) -> None:
        from sreda.core import checks  # noqa: F401  (registers the deploy checks)
