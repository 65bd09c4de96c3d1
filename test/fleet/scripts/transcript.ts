// A Pluto-style script run by `courier run`, in-process and against the fleet: it prints its
// tuples, reason strings and hasconnection samples, and must print the same either way.
// ORIGIN and OTHER are fixture origins; REFUSED is a port nothing listens on.
import { Scheduler, http, type PlutoResult } from '@courier/scheduler';

const origin = process.env['ORIGIN']!;
const other = process.env['OTHER']!;
const refused = process.env['REFUSED']!;
const out = (line: string) => console.log(line);

function show(label: string, result: PlutoResult): void {
  const [body, statusOrReason, headers, statusText] = result;
  if (body === null) {
    out(`${label}: nil, ${statusOrReason}`);
    return;
  }
  // The date is the only header that changes from one run to the next.
  const names = Object.entries(headers!)
    .filter(([name]) => name !== 'Date')
    .map(([name, value]) => `${name}: ${value}`);
  out(`${label}: ${statusOrReason} ${statusText} {${names.join(' | ')}} ${JSON.stringify(body)}`);
}

const sample = (moment: string) =>
  out(`hasconnection ${moment}: origin=${http.hasconnection(origin)} other=${http.hasconnection(other)} refused=${http.hasconnection(refused)}`);

const sched = new Scheduler();
let done = false;
const transitions: boolean[] = [];

sample('at start');
sched.add(function* () {
  show('GET /hello', yield* http.request(`${origin}/hello`));
  sample('after /hello');
  const [, status, , statusText] = yield* http.request(`${origin}/status/404`);
  out(`GET /status/404: ${status} ${statusText}`);
  sample('after the 404');
  show('GET refused', yield* http.request(`${refused}/`));
  sample('after the refused one');
  show('POST /raw', yield* http.request(`${origin}/raw`, { method: 'POST', body: 'payload', headers: { 'x-custom': 42, accept: 'text/plain' } }));
  show('GET other, dont_make_reusable', yield* http.request({ url: `${other}/hello`, dont_make_reusable: true }));
  sample('after the one-off');
  show('bad scheme', yield* http.request('ftp://127.0.0.1/'));

  // Three at once; printed in a fixed order whatever order they end in.
  const results: PlutoResult[] = [];
  const children = ['/bytes/12', '/status/503', '/echo'].map((path, i) =>
    sched.add(function* () {
      results[i] = yield* http.request(`${origin}${path}`, { headers: { 'x-n': i } });
    }),
  );
  while (children.some((c) => sched.contains(c)) && results.filter(Boolean).length < 3) yield;
  show('parallel /bytes/12', results[0]!);
  out(`parallel /status/503: ${results[1]![1]} ${results[1]![3]}`);
  const echoed = JSON.parse(results[2]![0]!) as { method: string; path: string; headers: Record<string, string> };
  out(`parallel /echo: ${echoed.method} ${echoed.path} x-n=${echoed.headers['x-n']} ua=${echoed.headers['user-agent']}`);

  yield* http.closeconnections();
  sample('after closeconnections');
  show('GET /hello again', yield* http.request(`${origin}/hello`));
  sample('at the end');
  done = true;
});

// A loop watching the pool, as Pluto scripts do: the sequence of distinct values it saw.
sched.addloop(() => {
  const now = http.hasconnection(origin);
  if (transitions.at(-1) !== now) transitions.push(now);
  if (done) return false;
});

await sched.run();
out(`transitions of hasconnection(origin): ${transitions.join(' → ')}`);
