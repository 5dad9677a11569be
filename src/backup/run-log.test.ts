import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { RunLog } from './run-log.ts';

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
