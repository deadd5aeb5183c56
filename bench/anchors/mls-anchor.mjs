// MLS (RFC 9420) anchor for scripts/bench.sh: one remove commit in a group of N members, through ts-mls.
//
//   node mls-anchor.mjs [--sizes 64,256,1024,4096] [--full-sizes 64] [--add-batch 256]
//                      [--cache DIR|none] [--cold-max 1024] [--out mls.json] [--budget-seconds 420]
//
// For each N and each way of building the group it prints (and writes) JSON with the process CPU time
// (process.cpuUsage: user + system of every thread, so the WebCrypto thread pool counts too) to
//   - create the remove commit at one member (leaf 0, the group's creator),
//   - process that commit at another member (the last one added),
// and the bytes of the commit as every remaining member receives it (the encoded MLSMessage).
//
// Two builds, both with cipher suite 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the mandatory one)
// and the library's default crypto provider:
//   welcome:   the creator adds N-1 key packages (commits of at most 256 adds); members join from the Welcome. Only the parent
//              nodes on the creator's path are set, so a commit's path must be encrypted to many leaves.
//   populated-full: after the Welcome build, every member commits once (an empty commit carries an UpdatePath),
//              leaf 1 to N-1 in order, the measured receiver last, so every parent node is set and no leaf is
//              unmerged. Each commit is made from the group's current state under the committer's own leaf and
//              signature key; the states of members not measured are not kept (they would only process the
//              same commits). The measured receiver's state is its own commit's result, with its path keys.
//              Each commit costs O(N) in ts-mls, so this build is O(N^2): run at the sizes of --full-sizes only.
//   populated: the same, but only the members whose commits set the nodes the remove commit encrypts to
//              (2 log2 N of them, see relevantCommitters): the remove commit then sees exactly the tree of
//              populated-full, which the run checks at the --full-sizes (same commit bytes).
// The group build time is measured and reported too; the whole run stops adding sizes when the budget is spent.
// Built groups are cached in .cache/ (see cachePath) and reused by later runs. A size above --cold-max is only
// measured from the cache (building N = 4,096 takes longer than the whole run may): build it once by naming it.
import {
  acceptAll,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processMessage,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";

const suiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
const args = parseArgs(process.argv.slice(2));
const sizes = (args.sizes ?? "64,256,1024,4096").split(",").map(Number);
const budgetMs = Number(args["budget-seconds"] ?? 420) * 1000;
const addBatch = Number(args["add-batch"] ?? 256);
const coldMax = Number(args["cold-max"] ?? 1024);
const fullSizes = (args["full-sizes"] ?? "64").split(",").map(Number);
const libraryVersion = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "node_modules/ts-mls/package.json"), "utf8")).version;
const cacheDir = args.cache === "none" ? undefined : (args.cache ?? join(dirname(fileURLToPath(import.meta.url)), ".cache"));
const impl = await getCiphersuiteImpl(getCiphersuiteFromName(suiteName));
const text = new TextEncoder();
const started = Date.now();

const results = [];
for (const n of sizes) {
  if (Date.now() - started > budgetMs) {
    results.push({ n, skipped: "time budget spent" });
    continue;
  }

  if (n > coldMax && !(cacheDir && existsSync(cachePath(n)))) {
    results.push({ n, skipped: `group not built yet: \`node bench/anchors/mls-anchor.mjs --sizes ${n} --cold-max ${n}\` builds it once into bench/anchors/.cache (N = 4,096: about 15 min on 2 cores)` });
    continue;
  }

  for (const entry of await measureSize(n)) {
    results.push(entry);
    console.error(JSON.stringify(entry));
  }
}

const report = {
  library: "ts-mls",
  libraryVersion,
  node: process.version,
  cipherSuite: suiteName,
  cpu: cpus()[0]?.model ?? "unknown",
  wallSeconds: (Date.now() - started) / 1000,
  results,
};
const json = JSON.stringify(report, null, 2);
if (args.out) {
  writeFileSync(args.out, json + "\n");
}

console.log(json);

async function measureSize(n) {
  const removed = removedLeaf(n);
  const receiverLeaf = n - 1;
  const builds = (await loadBuilds(n)) ?? (await saveBuilds(n, await buildGroups(n, removed, receiverLeaf)));
  const out = [];
  for (const b of builds) {
    out.push({
      n,
      variant: b.variant,
      removedLeaf: removed,
      receiverLeaf,
      build: b.build,
      ...(b.welcomeBytes ? { welcomeBytes: b.welcomeBytes } : {}),
      ...(await measureRemove(b.creator, b.receiver, removed, repetitions(n))),
    });
  }

  return out;
}

// Builds the group states the measurements start from: the creator's and the receiver's, for each variant.
async function buildGroups(n, removed, receiverLeaf) {
  const builds = [];
  // Welcome build: key packages, commits adding everyone, the receiver joins from the (last) Welcome.
  let t = clock();
  const packages = [];
  for (let i = 0; i < n; i++) {
    packages.push(await generateKeyPackage({ credentialType: "basic", identity: text.encode(`member-${i}`) }, defaultCapabilities(), defaultLifetime, [], impl));
  }

  const keyPackagesMs = t.elapsed();
  note(`N = ${n}: ${n} key packages`);
  t = clock();
  let creator = await createGroup(text.encode(`bench-${n}`), packages[0].publicPackage, packages[0].privatePackage, [], impl);
  // Adds in commits of at most addBatch members: ts-mls copies the tree per proposal, and one commit adding
  // 4,095 members needs more than 8 GB. The receiver is in the last batch and joins from its Welcome.
  let added;
  for (let first = 1; first < n; first += addBatch) {
    const adds = packages.slice(first, Math.min(n, first + addBatch)).map((p) => ({ proposalType: "add", add: { keyPackage: p.publicPackage } }));
    added = await createCommit({ state: creator, cipherSuite: impl }, { extraProposals: adds, ratchetTreeExtension: true });
    creator = added.newState;
    note(`N = ${n}: ${Math.min(n, first + addBatch)} members in the tree`);
  }

  const addCommitMs = t.elapsed();
  const welcomeBytes = encodeMlsMessage({ welcome: added.welcome, wireformat: "mls_welcome", version: "mls10" }).length;
  t = clock();
  const welcome = decodeMlsMessage(encodeMlsMessage({ welcome: added.welcome, wireformat: "mls_welcome", version: "mls10" }), 0)[0].welcome;
  const receiver = await joinGroup(welcome, packages[receiverLeaf].publicPackage, packages[receiverLeaf].privatePackage, emptyPskIndex, impl);
  const joinMs = t.elapsed();
  note(`N = ${n}: the receiver joined from the Welcome`);
  builds.push({
    variant: "welcome",
    creator,
    receiver,
    welcomeBytes,
    build: {
      keyPackagesCpuMs: keyPackagesMs.cpu,
      addCommitCpuMs: addCommitMs.cpu,
      joinCpuMs: joinMs.cpu,
      cpuMs: keyPackagesMs.cpu + addCommitMs.cpu + joinMs.cpu,
      wallMs: keyPackagesMs.wall + addCommitMs.wall + joinMs.wall,
    },
  });

  // Populated builds. Each commit is made from the group's current state under the committer's own leaf and
  // signature key (an empty commit carries an UpdatePath, which sets every parent node on the committer's path).
  const full = fullSizes.includes(n);
  for (const variant of full ? ["populated", "populated-full"] : ["populated"]) {
    const committers = variant === "populated-full" ? range(1, n - 1) : relevantCommitters(n, removed);
    t = clock();
    let current = creator;
    for (const leaf of [...committers, receiverLeaf]) {
      current = (await createCommit({ state: viewOf(current, leaf, packages[leaf]), cipherSuite: impl })).newState;
    }

    const populateMs = t.elapsed();
    note(`N = ${n}: ${variant}, ${committers.length + 1} members committed`);
    // The receiver committed last: its state is its own commit's result, with the keys of its whole path.
    builds.push({
      variant,
      creator: viewOf(current, 0, packages[0], creator.privatePath.privateKeys[0]),
      receiver: current,
      build: { commits: committers.length + 1, cpuMs: populateMs.cpu, wallMs: populateMs.wall },
    });
  }

  return builds;
}

// The built states are kept in bench/anchors/.cache (never committed), so a group that takes minutes to build
// (N = 4,096) is built once; the report gives the build time measured when it was built, and says it was reused.
function cachePath(n) {
  return join(cacheDir, `groups-${n}-ts-mls-${libraryVersion}-${fullSizes.includes(n) ? "full" : "min"}.json`);
}

async function loadBuilds(n) {
  if (!cacheDir || !existsSync(cachePath(n))) {
    return undefined;
  }

  const stored = JSON.parse(readFileSync(cachePath(n), "utf8"));
  note(`N = ${n}: group states reused from ${cachePath(n)}`);
  return stored.map((b) => ({
    ...b,
    build: { ...b.build, reused: true },
    creator: decodeState(b.creator),
    receiver: decodeState(b.receiver),
  }));
}

async function saveBuilds(n, builds) {
  if (cacheDir) {
    mkdirSync(cacheDir, { recursive: true });
    const stored = builds.map((b) => ({ ...b, creator: encodeState(b.creator), receiver: encodeState(b.receiver) }));
    writeFileSync(cachePath(n), JSON.stringify(stored));
  }

  return builds;
}

function encodeState(state) {
  return Buffer.from(encodeGroupState(state)).toString("base64");
}

function decodeState(text) {
  const [state] = decodeGroupState(new Uint8Array(Buffer.from(text, "base64")), 0);
  return { ...state, clientConfig: defaultClientConfig };
}

// The creator removes one member; the receiver processes the commit. The states are immutable, so the same
// commit can be made afresh from the same state several times; the median is reported.
async function measureRemove(creator, receiver, removed, count) {
  const create = [], process = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    let t = clock();
    const result = await createCommit({ state: creator, cipherSuite: impl }, { extraProposals: [{ proposalType: "remove", remove: { removed } }] });
    const encoded = encodeMlsMessage(result.commit);
    create.push(t.elapsed().cpu);
    bytes = encoded.length;
    t = clock();
    const message = decodeMlsMessage(encoded, 0)[0];
    const processed = await processMessage(message, receiver, emptyPskIndex, acceptAll, impl);
    process.push(t.elapsed().cpu);
    if (processed.kind !== "newState" || processed.newState.groupContext.epoch !== result.newState.groupContext.epoch) {
      throw new Error(`the receiver did not reach the committer's epoch at N = ${creator.ratchetTree.length}`);
    }
  }

  return { repetitions: count, commitCpuMs: median(create), processCpuMs: median(process), commitBytes: bytes };
}

// Member `leaf`'s view of the group's current state: the shared state (tree, key schedule, secret tree) with its own
// leaf index and signature key. Its path keys are not needed to commit: a commit replaces them all.
function viewOf(state, leaf, keyPackage, leafPrivateKey) {
  const privateKeys = leafPrivateKey ? { [2 * leaf]: leafPrivateKey } : {};
  return { ...state, privatePath: { leafIndex: leaf, privateKeys }, signaturePrivateKey: keyPackage.privatePackage.signaturePrivateKey };
}

// The members whose commits set every parent node that the remove commit encrypts to, as in a tree where every
// member has committed: the first leaf of each subtree hanging off the creator's path (leaf 0), and of each subtree
// hanging off the removed leaf's path inside the subtree that holds it. The subtree holding the receiver (the
// upper half) is set by the receiver's own commit, made last. At the --full-sizes "populated-full" checks that
// this gives the same commit as letting every member commit.
function relevantCommitters(n, removed) {
  // The subtrees off leaf 0's path are [size, 2 size) for size = 1, 2, 4, ..., n/2; the removed leaf lies in the one
  // with size = the largest power of two <= removed, whose root the removal blanks, so the commit encrypts to the
  // subtrees off the removed leaf's path inside it instead.
  let holder = 1;
  while (holder * 2 <= removed) {
    holder *= 2;
  }

  const leaves = new Set();
  for (let size = 1; size < n / 2; size *= 2) {
    if (size !== holder) {
      leaves.add(size);
    }
  }

  for (let size = 1; size < holder; size *= 2) {
    leaves.add((Math.floor(removed / size) ^ 1) * size);
  }

  leaves.delete(removed);
  return [...leaves].sort((x, y) => x - y);
}

function note(message) {
  console.error(`[mls ${((Date.now() - started) / 1000).toFixed(0)} s] ${message}`);
}

function range(from, to) {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function removedLeaf(n) {
  // A fixed member away from both measured leaves (0 commits, n-1 receives).
  return Math.floor(n / 3);
}

function repetitions(n) {
  return n <= 256 ? 7 : n <= 1024 ? 5 : 2;
}

function clock() {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  return {
    elapsed() {
      const d = process.cpuUsage(cpu0);
      return { cpu: (d.user + d.system) / 1000, wall: performance.now() - wall0 };
    },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parseArgs(list) {
  const parsed = {};
  for (let i = 0; i < list.length; i += 2) {
    parsed[list[i].replace(/^--/, "")] = list[i + 1];
  }

  return parsed;
}
