import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
application = get_wsgi_application()

from clinic.conf import refuse_insecure_secret_key  # noqa: E402

refuse_insecure_secret_key()
