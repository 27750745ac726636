// The GDS procedures this server exposes (to choose gds.leiden or gds.beta.leiden);
// $prefix is 'gds.'.
SHOW PROCEDURES YIELD name
WHERE name STARTS WITH $prefix
RETURN name
