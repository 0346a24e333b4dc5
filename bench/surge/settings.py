"""The project's settings for the surge's servers and runner, with one change: a fast password hasher.

A sign-in checks the password with PBKDF2 at Django's default cost, about a third of a
second of CPU: 1,000 sign-ins before the hour would take the 2 cores half an hour. The
sign-ins are the scenario's preparation, not what it measures, so the seeded accounts'
passwords are hashed with MD5 (as the test suite does), which the server checks in
microseconds. Everything else is the project's production settings (``DJANGO_DEBUG=false``).
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
