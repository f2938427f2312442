// STUB: replaced by the setup page issue.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export const setup = new Hono<AppEnv>().all('*', (c) => c.json({ error: 'not implemented yet' }, 501 as 404));
