/**
 * `lifeboat repository check | stats | snapshots` against the test bed's MinIO, as a user runs them: the
 * command in its own process, the location an s3:// URL with the test bed's CA, the keys in the AWS
 * variables. The cases are repository-cases.ts; the location's objects are deleted afterwards.
 */
import { describe } from 'node:test';
import { testbedMinioLocation } from '../support/repository-locations.ts';
import { repositoryCommandCases } from './repository-cases.ts';

describe('lifeboat repository on the test bed MinIO', () => {
  repositoryCommandCases(testbedMinioLocation('repo-cli'));
});
