import { runBackendContract } from '../contract.test-suite';
import { MemoryBackend } from './memory';

runBackendContract('memory', async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));
