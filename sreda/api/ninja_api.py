"""The API root: every domain adds its router here."""
from ninja import NinjaAPI

api = NinjaAPI(title="Среда API", version="1", urls_namespace="api")
