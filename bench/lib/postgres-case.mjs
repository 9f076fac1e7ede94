// The PostgreSQL key-store cases (scale/postgres-keys.mjs) on a throw-away server: their goals and their section
// of RESULTS.md. Without PostgreSQL the section says so and the goals are not counted.
import { startPostgres } from './postgres.mjs';
import { bytes, median, num, range } from './stats.mjs';

const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );

/** Runs the cases; resolves `{ goals, markdown }`. `runChild(script, options, execArgv)` is run.mjs's. */
export async function runPostgresCases({ runChild, plan, log }) {
  let server;
  try {
    server = await startPostgres();
  } catch (error) {
    log(`scale: PostgreSQL key store SKIPPED (${error.message})`);
    return {
      goals: [],
      markdown: `## Keys in PostgreSQL\n\nSkipped: no PostgreSQL could be started (${error.message}).\n`,
    };
  }
  try {
    log(`scale: PostgreSQL key store (${num(plan.keys)} keys, PostgreSQL ${server.version})`);
    const result = await runChild('./scale/postgres-keys.mjs', { ...plan, url: server.url }, [
      '--max-old-space-size=4096',
    ]);
    return { goals: goalsOf(result), markdown: sectionOf(result, server.version) };
  } finally {
    await server.stop();
  }
}

function ratios(result) {
  const memory = result.samples['verify: Basic, MemoryKeyStore'];
  const postgres = result.samples['verify: Basic, PostgresKeyStore (cached)'];
  return postgres.map((ns, round) => ns / memory[round]);
}

function goalsOf(result) {
  const ratio = median(ratios(result));
  const perMiss = result.cold.queries / result.cold.count;
  return [
    {
      goal: 'PostgreSQL: cached verify (Basic) on PostgresKeyStore vs MemoryKeyStore, same run (ns/op)',
      target: '≤ 1.1×',
      value: ratio,
      shown: `${ratio.toFixed(2)}×`,
      met: ratio <= 1.1,
      context: `${result.cachedQueries} queries while measuring`,
    },
    {
      goal: 'PostgreSQL: queries per cold miss',
      target: '= 1',
      value: perMiss,
      shown: `${perMiss.toFixed(2)} (${result.cold.queries} / ${result.cold.count})`,
      met: perMiss === 1,
    },
    {
      goal: `PostgreSQL: p99 of a cold verify among ${num(result.keys)} keys (written down)`,
      target: 'measured',
      value: result.cold.p99,
      shown: `${num(result.cold.p99)} µs`,
      met: true,
    },
    {
      goal: `PostgreSQL: cache memory at its bound (max ${num(result.cache.max)})`,
      target: 'measured',
      value: result.cache.bytes,
      shown: `${bytes(result.cache.bytes)} (${num(result.cache.bytes / result.cache.entries)} B per entry)`,
      met: result.cache.entries === result.cache.max,
    },
  ];
}

function sectionOf(result, version) {
  const memory = result.samples['verify: Basic, MemoryKeyStore'];
  const postgres = result.samples['verify: Basic, PostgresKeyStore (cached)'];
  return [
    '## Keys in PostgreSQL',
    '',
    `PostgreSQL ${version} started by the bench (loopback, fsync off), ${num(result.keys)} Basic keys loaded in ${num(result.loadMs / 1000, 1)} s. ` +
      'Verify is the core verifier without a limiter, so the key lookup is what differs.',
    '',
    table(
      ['case', 'ns/op (median)', 'range over rounds'],
      [
        [`verify: MemoryKeyStore (${num(result.probes)} keys)`, num(median(memory)), range(memory)],
        [
          `verify: PostgresKeyStore, warm cache (${num(result.probes)} of ${num(result.keys)} keys)`,
          num(median(postgres)),
          range(postgres),
        ],
      ],
    ),
    '',
    `Ratio per round: ${ratios(result)
      .map((r) => r.toFixed(2))
      .join(', ')}; queries sent while measuring the warm cache: ${result.cachedQueries}.`,
    '',
    table(
      ['cold verify (each key asked once)', 'value'],
      [
        ['lookups', num(result.cold.count)],
        ['queries sent', num(result.cold.queries)],
        [
          'p50 / p90 / p99 / max',
          `${num(result.cold.p50)} / ${num(result.cold.p90)} / ${num(result.cold.p99)} / ${num(result.cold.max)} µs`,
        ],
      ],
    ),
    '',
    `Cache at its bound: ${num(result.cache.entries)} entries (max ${num(result.cache.max)}) after ${num(result.cache.lookups)} distinct lookups hold ` +
      `${bytes(result.cache.bytes)}, ${num(result.cache.bytes / result.cache.entries)} B per entry (heap with the cache full minus after clearing it).`,
    '',
  ].join('\n');
}
