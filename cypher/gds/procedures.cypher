// The GDS procedures this server exposes (to choose gds.leiden or gds.beta.leiden).
SHOW PROCEDURES YIELD name
WHERE name STARTS WITH 'gds.'
RETURN name
