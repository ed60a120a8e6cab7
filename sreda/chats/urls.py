from sreda.chats import urls_linking, urls_plan, urls_sync

app_name = "chats"

urlpatterns = [
    *urls_plan.urlpatterns,
    *urls_sync.urlpatterns,
    *urls_linking.urlpatterns,
]
