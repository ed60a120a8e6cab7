"""Pages of parent confirmation by link or QR code (R21)."""
from django.urls import path, re_path

from sreda.onboarding import views_parents as v

urlpatterns = [
    path("parents/invitations/", v.parent_invitations, name="parent_invitations"),
    path("parents/invitations/issue/", v.parent_invitation_issue, name="parent_invitation_issue"),
    path("parents/invitations/class/<int:class_id>/sheet/", v.parent_invitation_sheet, name="parent_invitation_sheet"),
    re_path(r"^parents/qr/(?P<token>[^/.]+)\.(?P<fmt>png|svg)$", v.parent_invitation_qr, name="parent_invitation_qr"),
    # The link in the QR code. <str:…> so that a mangled token reaches the view and gets its own message.
    path("parents/invite/<str:token>/", v.parent_invite, name="parent_invite"),
    path("parents/invite/<str:token>/register/", v.parent_register, name="parent_register"),
    path("parents/corrections/", v.parent_corrections, name="parent_corrections"),
    path("parents/corrections/<int:pk>/accept/", v.parent_correction_accept, name="parent_correction_accept"),
    path("parents/corrections/<int:pk>/reject/", v.parent_correction_reject, name="parent_correction_reject"),
]
