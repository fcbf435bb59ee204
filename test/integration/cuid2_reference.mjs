// cuid2_reference.mjs: answers with the reference @paralleldrive/cuid2
// (the version pinned in package-lock.json) for the tests.
//
//   node cuid2_reference.mjs hash  < ["input", ...]   -> ["hash", ...]
//   node cuid2_reference.mjs iscuid < ["id", ...]     -> [true|false, ...]
//   node cuid2_reference.mjs ids   < [{time, letter, salt, counter,
//                                      fingerprint, length}, ...] -> ["id", ...]
//
// hash: the package does not export hash(), so it is rebuilt from the
// package's own pieces exactly as its src/index.js composes them:
// bufToBigInt(sha3_512(utf8)).toString(36).slice(1), with bufToBigInt from
// the package and sha3_512 from its pinned @noble/hashes dependency.
// ids: the package's public init() with its clock, random source and
// counter made deterministic, so a whole id can be compared.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { init, isCuid } from "@paralleldrive/cuid2";
import { sha3_512 } from "@noble/hashes/sha3.js";

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("@paralleldrive/cuid2/package.json"));
const { bufToBigInt } = await import(join(pkgDir, "src", "index.js"));

const input = JSON.parse(readFileSync(0, "utf8"));
const mode = process.argv[2];
let out;

if (mode === "hash") {
	const enc = new TextEncoder();
	out = input.map((s) => bufToBigInt(sha3_512(enc.encode(s))).toString(36).slice(1));
} else if (mode === "ids") {
	const realNow = Date.now;
	out = input.map((c) => {
		// random() answers: the letter first, then one salt digit per call
		const answers = [(c.letter + 0.5) / 26, ...c.salt.map((d) => (d + 0.5) / 36)];
		let i = 0;
		const make = init({
			random: () => {
				if (i >= answers.length) throw new Error("random() called more often than expected");
				return answers[i++];
			},
			counter: () => c.counter,
			length: c.length,
			fingerprint: c.fingerprint,
		});
		Date.now = () => c.time;
		try {
			return make();
		} finally {
			Date.now = realNow;
		}
	});
} else if (mode === "iscuid") {
	out = input.map((s) => isCuid(s));
} else {
	console.error("usage: node cuid2_reference.mjs hash|ids < input.json");
	process.exit(2);
}
process.stdout.write(JSON.stringify(out));
