-- One database per Fupin process: no service may read another's tables (architecture §1).
-- Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d); the schemas
-- themselves come from each package's Alembic migrations (the compose migrate-<service> steps).
CREATE DATABASE fupin_gateway;
CREATE DATABASE fupin_registry;
CREATE DATABASE fupin_identification;
CREATE DATABASE fupin_assistance;
CREATE DATABASE fupin_funds;
CREATE DATABASE fupin_evaluation;
