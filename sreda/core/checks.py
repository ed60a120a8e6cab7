"""Production checks that Django's own `check --deploy` does not know about."""
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY.startswith("django-insecure-sreda"):
        errors.append(Error("SECRET_KEY is the development key.", hint="Set SECRET_KEY to a long random value.", id="sreda.E001"))
    if settings.DEBUG:
        errors.append(Error("DEBUG is on.", hint="Set DEBUG=0 in production.", id="sreda.E002"))
    if not settings.EMAIL_URL:
        errors.append(Error("EMAIL_URL is not set: invitations could not be mailed.", hint="smtp://user:password@host:587", id="sreda.E003"))
    return errors
