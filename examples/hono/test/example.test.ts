import { fileURLToPath } from 'node:url';
import { describeExampleContract } from '@authcore/example-shared/contract-test';

describeExampleContract('hono', fileURLToPath(new URL('..', import.meta.url)));
