"""Pages of «Организация ДПО» (R36–R38)."""
app_name = "dpo"

urlpatterns: list = []
