ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "Harbor-Gull-42")
DB_PASSWORD = os.environ.get("DB_PASSWORD")
SECRET_KEY = os.environ["SECRET_KEY"]
os.environ["PGPASSWORD"] = "Moss-Rock-88"
settings = "spring.datasource.password=Qu1ll-Harb0r"
query = "user=%s&password=%s" % (user, pw)
LEGACY_DB_PASSWORD = "Passw0rd"
FIXTURE_PASSWORD = "password1"
