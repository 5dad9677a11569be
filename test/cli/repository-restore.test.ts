/**
 * `lifeboat repository restore` against the test bed's MinIO, as a user runs it in a break-glass: the
 * command in its own process, the location an s3:// URL with the test bed's CA, the keys in the AWS
 * variables. The cases are repository-restore-cases.ts; the location's objects are deleted afterwards.
 */
import { describe } from 'node:test';
import { testbedMinioLocation } from '../support/repository-locations.ts';
import { repositoryRestoreCases } from './repository-restore-cases.ts';

describe('lifeboat repository restore on the test bed MinIO', () => {
  repositoryRestoreCases(testbedMinioLocation('repo-restore-cli'));
});
