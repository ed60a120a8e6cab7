from sreda.library import urls_access, urls_assignments, urls_catalogue, urls_schedule

app_name = "library"

urlpatterns = [
    *urls_access.urlpatterns,
    *urls_schedule.urlpatterns,
    *urls_catalogue.urlpatterns,
    *urls_assignments.urlpatterns,
]
