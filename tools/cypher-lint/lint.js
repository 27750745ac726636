// Lint .cypher files with Neo4j's Cypher language support (the parser and semantic
// analysis behind Neo4j's editors). Every $parameter a file uses is declared, so only
// real problems remain. Usage: node lint.js FILE...   (exit 1 on any error)
const fs = require('fs');
const { lintCypherQuery } = require('@neo4j-cypher/language-support');

let errors = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const parameters = {};
  for (const m of text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) parameters[m[1]] = null;
  const result = lintCypherQuery(text, { parameters });
  const diagnostics = Array.isArray(result) ? result : result.diagnostics || [];
  for (const d of diagnostics) {
    const level = d.severity === 1 ? 'error' : 'warning';
    const where = `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
    console.log(`${where}: ${level}: ${d.message.split('\n')[0]}`);
    if (d.severity === 1) errors += 1;
  }
}
console.log(`${process.argv.length - 2} files, ${errors} errors`);
process.exit(errors ? 1 : 0);
