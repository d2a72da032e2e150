import { fileURLToPath } from 'node:url';
import { describeExampleContract } from '@authcore/example-shared/contract-test';

describeExampleContract('node-http', fileURLToPath(new URL('..', import.meta.url)));
