import { describeDriver } from '../../testing/describe-driver.ts';
import { MemoryDriver } from './memory-driver.ts';

describeDriver('memory', async (options) => ({ driver: new MemoryDriver(options) }));
