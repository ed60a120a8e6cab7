from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "sreda.chats"
    label = "chats"
    verbose_name = "Чаты в мессенджере"

    def ready(self):
        # R25: a roster change schedules the school's chat sync within a minute.
        from sreda.chats import triggers

        triggers.connect()
