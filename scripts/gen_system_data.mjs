// Regenerates drift/targets/database/system_data.json from an installed Directus.
//
//   node scripts/gen_system_data.mjs <node_modules dir of a Directus install> [output file]
//
// Directus appends hard-coded "system" rows (from @directus/system-data) to what it reads from
// directus_collections / directus_fields / directus_relations. A snapshot read straight from the
// database needs the same rows: they decide which columns count as system fields (systemFields),
// which relations and collections are system ones (left out of snapshots), and which read casts
// (cast-boolean, cast-json, cast-csv) apply to the columns of Directus's own tables. The file also
// records the Directus version and the migrations that release ships, which is how the database
// target recognises a database migrated by that release.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulesDir, outArg] = process.argv.slice(2);
if (!modulesDir) {
	console.error('usage: node scripts/gen_system_data.mjs <node_modules dir> [output file]');
	process.exit(2);
}
const root = resolve(modulesDir);
const out = outArg ?? new URL('../drift/targets/database/system_data.json', import.meta.url).pathname;
const pkg = (name) => JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8'));

const systemData = await import(pathToFileURL(join(root, '@directus/system-data/dist/index.js')).href);
const migrations = readdirSync(join(root, '@directus/api/dist/database/migrations'))
	.filter((name) => /^\d{8}[A-Z]-.*\.js$/.test(name))
	.map((name) => name.slice(0, 9))
	.sort();

const data = {
	directus: pkg('directus').version,
	'@directus/api': pkg('@directus/api').version,
	'@directus/system-data': pkg('@directus/system-data').version,
	migrations,
	collections: systemData.systemCollectionRows,
	fields: systemData.systemFieldRows,
	relations: systemData.systemRelationRows,
	indexes: systemData.systemIndexRows,
};
writeFileSync(out, JSON.stringify(data, null, 1) + '\n');
console.error(
	`wrote ${out}: directus ${data.directus}, ${data.collections.length} collections, ` +
		`${data.fields.length} fields, ${data.relations.length} relations, ${migrations.length} migrations`,
);
