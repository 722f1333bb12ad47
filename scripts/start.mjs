// `npm start`: loads ./.env when it exists (process.loadEnvFile, the format of `node --env-file`;
// variables already set win), then runs the compiled service. Without a .env file it starts from
// the environment alone (`node --env-file` would refuse to start).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const envFile = join(process.cwd(), '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);
const { main } = await import('../dist/src/main.js');
await main();
