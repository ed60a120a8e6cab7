"""SCIM 2.0 (RFC 7643/7644) at /scim/v2/. Paths are matched with or without a trailing slash."""
from django.urls import path, re_path

from sreda.api.scim import views

app_name = "scim"

urlpatterns = [
    path("", views.not_found, name="root"),
    re_path(r"^ServiceProviderConfigs?/?$", views.service_provider_config, name="service_provider_config"),
    re_path(r"^ResourceTypes/?$", views.resource_types, name="resource_types"),
    re_path(r"^ResourceTypes/(?P<name>[^/]+)/?$", views.resource_type, name="resource_type"),
    re_path(r"^Schemas/?$", views.schema_list, name="schemas"),
    re_path(r"^Schemas/(?P<urn>[^/]+)/?$", views.schema_detail, name="schema"),
    re_path(r"^Bulk/?$", views.bulk_request, name="bulk"),
    re_path(r"^\.search/?$", views.root_search, name="search"),
    re_path(r"^Users/?$", views.users, name="users"),
    re_path(r"^Users/\.search/?$", views.users_search, name="users_search"),
    re_path(r"^Users/(?P<user_id>[^/]+)/?$", views.user_detail, name="user"),
    re_path(r"^Groups/?$", views.groups, name="groups"),
    re_path(r"^Groups/\.search/?$", views.groups_search, name="groups_search"),
    re_path(r"^Groups/(?P<group_id>[^/]+)/?$", views.group_detail, name="group"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
