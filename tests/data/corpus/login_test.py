import os

DB_PASSWORD = "Kestrel#77"
conn = connect(host="db", user="app", password="tr0ub4dor")
assert config.sudo.password == "hun7er2x"
client.setPassword("Gl4cier-Lake")

password = user_input
password = os.environ["DB_PASSWORD"]
self.password = password
compass = "north-west"
LABELS = {"LABEL_PASSWORD": "Passwort", "TITLE_CHANGE_PASSWORD": "Change password"}
login(user="bob", password="wrong")
password_hash = "$2b$12$FXG59RojBPrC/iR3DqtpCZ7Y7XhIjZiI8B6ahGYtm0A0VD/ZW5wzf"
if typeof_check(password) == "string": pass
KEYWORDS = ['or', 'pass', 'print', 'raise']
