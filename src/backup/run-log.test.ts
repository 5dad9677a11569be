import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { memberBytes, RunLog } from './run-log.ts';

const lines = (log: RunLog) => gunzipSync(log.encode()).toString().trimEnd().split('\n');

test('lines are logrus text: time, level, msg, then every field sorted by key, quoted where needed', () => {
  const echoed: string[] = [];
  const log = new RunLog({ restore: 'r-1', backup: 'b 1' }, (line) => echoed.push(line));
  log.info('restored ConfigMap cm', {
    resource: 'configmaps',
    namespace: 'ns',
    name: 'cm',
    skipped: undefined,
  });
  log.error('could not restore', { error: 'denied: "x"', action: 'failed', zeta: 3 });
  log.warn('no fields');
  const [first, second, third] = lines(log);
  assert.deepEqual(echoed, [first, second, third]);
  assert.match(
    first ?? '',
    /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=info msg="restored ConfigMap cm" /,
  );
  assert.equal(
    first?.replace(/^time="[^"]+" /, ''),
    'level=info msg="restored ConfigMap cm" backup="b 1" name=cm namespace=ns resource=configmaps restore=r-1',
  );
  assert.equal(
    second?.replace(/^time="[^"]+" /, ''),
    'level=error msg="could not restore" action=failed backup="b 1" error="denied: \\"x\\"" restore=r-1 zeta=3',
  );
  assert.equal(
    third?.replace(/^time="[^"]+" /, ''),
    'level=warning msg="no fields" backup="b 1" restore=r-1',
  );
});

test("a call's field replaces the run's field of the same name", () => {
  const log = new RunLog({ backup: 'b', restore: 'r' });
  log.info('m', { backup: 'other', a: 'x' });
  assert.equal(lines(log)[0]?.replace(/^time="[^"]+" /, ''), 'level=info msg="m" a=x backup=other restore=r');
});

test('a long log is compressed as it grows, in gzip members that read back as one stream, every line in order', () => {
  const log = new RunLog({ restore: 'r' });
  const count = 20_000;
  for (let i = 0; i < count; i++) log.info(`restored ConfigMap cm-${i}`, { namespace: `ns-${i % 100}` });
  const encoded = log.encode();
  const read = gunzipSync(encoded).toString().trimEnd().split('\n');
  assert.equal(read.length, count);
  read.forEach((line, i) => {
    assert.ok(line.includes(`msg="restored ConfigMap cm-${i}"`), line);
  });
  // More than one member (each starts with gzip's magic and deflate's method), and far smaller than the text.
  let members = 0;
  for (let at = encoded.indexOf('1f8b08', 0, 'hex'); at !== -1; at = encoded.indexOf('1f8b08', at + 3, 'hex'))
    members++;
  assert.ok(members >= Math.floor(read.join('\n').length / memberBytes), `${members} members`);
  assert.ok(encoded.length * 10 < read.join('\n').length, `${encoded.length} bytes compressed`);
  // Encoding again gives the same log; lines logged after are appended.
  assert.deepEqual(log.encode(), encoded);
  log.warn('after');
  assert.equal(gunzipSync(log.encode()).toString().trimEnd().split('\n').length, count + 1);
});

test('an empty log encodes as an empty gzip stream', () => {
  assert.equal(gunzipSync(new RunLog({ backup: 'b' }).encode()).length, 0);
});
