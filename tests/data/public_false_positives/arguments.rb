# A private marker key, an identifier however random it looks.
      WRAPPED_KWARGS_KEY = "_xy_ruby2_kwargs"
