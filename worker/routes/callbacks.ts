// STUB: replaced by the issue that builds this route.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export const callbacks = new Hono<AppEnv>().all('*', (c) => c.json({ error: 'not implemented yet' }, 501 as 404));
