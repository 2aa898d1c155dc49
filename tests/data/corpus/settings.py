"""
Django settings for acme project.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'django-insecure-n76*=o&%&u^6%t5s@d*n*_84-pt^uqvci$88qwwjdwa$u+umls'

DEBUG = False

ALLOWED_HOSTS = ['acme.io', 'www.acme.io']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'acme',
        'USER': 'acme',
        'PASSWORD': 'Falcon2024!',
        'HOST': 'db.acme.io',
        'PORT': '5432',
    },
    'replica': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'acme',
        'USER': 'reader',
        'PASSWORD': os.environ.get('REPLICA_DB_PASSWORD', ''),
        'HOST': 'replica.acme.io',
    },
    'legacy': {
        'ENGINE': 'django.db.backends.mysql',
        'NAME': 'legacy',
        'USER': 'legacy',
        'PASSWORD': '',
    },
}

if os.environ.get('DJANGO_ENV') == 'ci':
    SECRET_KEY = "37dkg4%qzd0m*iixa2x+0phv$2ua=*#70-%)2mih6*05z52_oc"
else:
    SECRET_KEY = os.environ['DJANGO_SECRET_KEY']

# SECRET_KEY = 'your-secret-key-here'
SECRET_KEY_FALLBACKS = []
SESSION_COOKIE_NAME = 'acme_session'
CSRF_COOKIE_SECURE = True

EMAIL_HOST = 'smtp.acme.io'
EMAIL_HOST_USER = 'alerts@acme.io'
EMAIL_HOST_PASSWORD = 'Kestrel#77'
