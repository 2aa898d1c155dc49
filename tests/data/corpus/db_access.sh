#!/bin/sh
# Nightly copy of the orders database to the reporting replica.
set -eu
mysqldump -h orders-db.acme.io -u backup -pHarbor-Lamp-61 --single-transaction orders > /tmp/orders.sql
mysql -h report-db.acme.io -u loader -p'Velvet#Moth8' reporting < /tmp/orders.sql
PGPASSWORD=Cinder-Falls-3 pg_dump -h pg.acme.io -U backup shop > /tmp/shop.sql
sshpass -p 'Rusty!Anchor5' scp /tmp/shop.sql ops@archive.acme.io:/srv/backups/
curl -fsS -u deploy:Tundra_Swan22 -T /tmp/shop.sql https://nexus.acme.io/repository/backups/
keytool -importkeystore -srckeystore app.p12 -srcstorepass 'Mellow%Creek4' -destkeystore app.jks
./restore --admin-password=Granite-Bee-77 --target staging
# The same commands without passwords on the command line:
mysql -h report-db.acme.io -u loader -p reporting
mysql -h report-db.acme.io -u loader -p"$REPORT_DB_PASSWORD" reporting
mysql -h report-db.acme.io -u loader -P 3306 reporting
PGPASSWORD="$PG_BACKUP_PASSWORD" pg_dump -h pg.acme.io -U backup shop
sshpass -e scp /tmp/shop.sql ops@archive.acme.io:/srv/backups/
sshpass -f /run/secrets/archive_password scp /tmp/shop.sql ops@archive.acme.io:/srv/backups/
curl -fsS -u "$NEXUS_USER:$NEXUS_PASSWORD" -T /tmp/shop.sql https://nexus.acme.io/repository/backups/
curl -fsS -u deploy -T /tmp/shop.sql https://nexus.acme.io/repository/backups/
echo "$REGISTRY_PASSWORD" | docker login -u ci --password-stdin registry.acme.io
docker login -u ci --password "$REGISTRY_PASSWORD" registry.acme.io
./restore --admin-password=<admin-password> --target staging
# Passwords that end their line:
export PGPASSWORD=Slate-Heron-40
./rotate-keys --target prod --vault-password Copper_Wren19
mysql -h report-db.acme.io -u loader -pOrchid-Vale-52
