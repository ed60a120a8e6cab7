from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "sreda.onboarding"
    label = "onboarding"
    verbose_name = "Приглашения и заявки"
