from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "sreda.chats"
    label = "chats"
    verbose_name = "Чаты в мессенджере"
