"""Background work of roster imports (huey); the body lives in uploads.py."""
from huey.contrib.djhuey import db_task

from sreda.roster.uploads import roster_upload_run


@db_task()
def run_roster_import(import_id: int) -> None:
    roster_upload_run(import_id=import_id)
