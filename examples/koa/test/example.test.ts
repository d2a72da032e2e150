import { fileURLToPath } from 'node:url';
import { describeExampleContract } from '@authcore/example-shared/contract-test';

describeExampleContract('koa', fileURLToPath(new URL('..', import.meta.url)));
