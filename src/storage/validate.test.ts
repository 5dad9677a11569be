import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoleNotAssumedError } from './errors.ts';
import { explainStorageError, type ValidationTarget } from './validate.ts';

const role = 'arn:aws:iam::123456789012:role/lifeboat';
const target: ValidationTarget = { provider: 's3', bucket: 'b', region: 'us-east-1', roleArn: role };
/** An error as AWS STS answers one (the SDK puts the code in `name`). */
const sts = (name: string) =>
  new RoleNotAssumedError(role, {
    cause: Object.assign(new Error('signature text'), { name, $metadata: { httpStatusCode: 403 } }),
  });

test('a role not assumed is explained by what STS answered, never as a refusal of the bucket', () => {
  assert.equal(
    explainStorageError(sts('SignatureDoesNotMatch'), 'write', target),
    `the secret key does not match the access key that assumes role ${role}: check the secret key`,
  );
  assert.match(
    explainStorageError(sts('InvalidClientTokenId'), 'write', target),
    /access key ID .* is not known/,
  );
  assert.match(
    explainStorageError(sts('AccessDenied'), 'list', target),
    /could not assume role .*trust policy names their AWS account .*external ID.*sts:AssumeRole on the role/,
  );
  assert.match(
    explainStorageError(sts('CredentialsProviderError'), 'write', target),
    /no AWS credentials to assume role/,
  );
  assert.match(explainStorageError(sts('Weird'), 'write', target), /could not assume role .* \(Weird\)/);
  // A connection STS never answered is a network problem first.
  const refused = new RoleNotAssumedError(role, {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
  assert.match(explainStorageError(refused, 'write', target), /connection refused/);
});
