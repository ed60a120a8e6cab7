from sreda.stats import urls_dashboard, urls_import, urls_table

app_name = "stats"

urlpatterns = [
    *urls_table.urlpatterns,
    *urls_import.urlpatterns,
    *urls_dashboard.urlpatterns,
]
