-- Accounts for the reporting stack (local development only).
CREATE USER 'reporting'@'%' IDENTIFIED BY 'Heron-Creek-58';
CREATE USER 'etl'@'10.0.%' IDENTIFIED BY "Marl1n&Tide";
ALTER USER system IDENTIFIED BY Copp3rKettle CONTAINER=ALL;
CREATE ROLE dashboards WITH LOGIN PASSWORD 'Quill-Brook-907';
ALTER ROLE replicator REPLICATION LOGIN PASSWORD 'Tund4ra#Fern';

-- Look-alikes that set no password here.
CREATE USER 'app'@'%' IDENTIFIED BY '${APP_DB_PASSWORD}';
CREATE USER 'legacy'@'%' IDENTIFIED BY PASSWORD '*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4';
ALTER USER 'svc'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*0D3CED9BEC10A777AEC23CCC353A8C08A633045E';
CREATE ROLE readonly WITH LOGIN PASSWORD :'readonly_password';
CREATE USER sandbox IDENTIFIED BY '<password>';
ALTER ROLE analyst WITH PASSWORD 'password';
-- Each row is identified by its primary key.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dashboards;
