/**
 * `lifeboat repository restore` on a file:// location (no test bed needed): the cases of
 * repository-restore-cases.ts, on a folder the library wrote a repository into.
 */
import { describe } from 'node:test';
import { temporaryFileLocation } from '../support/repository-locations.ts';
import { repositoryRestoreCases } from './repository-restore-cases.ts';

describe('lifeboat repository restore on a file:// location', () => {
  repositoryRestoreCases(temporaryFileLocation('lb-repo-restore-file-'));
});
