from django.urls import path

from sreda.onboarding import urls_acknowledgements, urls_joining, urls_parents, urls_tracker, views

app_name = "onboarding"

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/<int:pk>/", views.invitation_detail, name="invitation"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    # The link in the e-mail. <str:…> so that a mangled token reaches the view and gets its own message.
    path("invite/<str:token>/", views.accept, name="accept"),
    *urls_joining.urlpatterns,  # R20, R22
    *urls_parents.urlpatterns,  # R21
    *urls_tracker.urlpatterns,  # R23
    *urls_acknowledgements.urlpatterns,  # R23
]
