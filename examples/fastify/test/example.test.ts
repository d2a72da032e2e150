import { fileURLToPath } from 'node:url';
import { describeExampleContract } from '@authcore/example-shared/contract-test';

describeExampleContract('fastify', fileURLToPath(new URL('..', import.meta.url)));
